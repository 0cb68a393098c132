declare module "socket.io-client-v1" {
  interface V1Socket {
    id: string;
    io: { engine: { transport: { name: string } } };
    emit(event: string, ...args: unknown[]): void;
    on(event: string, handler: (...args: any[]) => void): void;
    close(): void;
  }
  function io(url: string, options?: Record<string, unknown>): V1Socket;
  export default io;
}
