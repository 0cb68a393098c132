declare module "socket.io-client-legacy" {
  interface LegacySocket {
    connected: boolean;
    emit(event: string, ...args: unknown[]): LegacySocket;
    on(event: string, handler: (...args: any[]) => void): LegacySocket;
    removeAllListeners(): LegacySocket;
    close(): LegacySocket;
  }
  function io(url: string, options?: Record<string, unknown>): LegacySocket;
  export default io;
}
