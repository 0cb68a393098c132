/** Browser files embedded as text (`with { type: "text" }`), so they are inside the compiled binary. */
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.client.js" {
  const text: string;
  export default text;
}
declare module "jsmpeg-player/build/jsmpeg-player.min.js" {
  const text: string;
  export default text;
}
declare module "socket.io-client/dist/socket.io.js" {
  const text: string;
  export default text;
}
