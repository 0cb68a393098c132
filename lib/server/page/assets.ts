import jsmpeg from "jsmpeg-player/build/jsmpeg-player.min.js" with { type: "text" };
import socketIoClient from "socket.io-client/dist/socket.io.js" with { type: "text" };
import viewerCss from "./viewer.css" with { type: "text" };
import viewerJs from "./viewer.client.js" with { type: "text" };

/** Static files of the viewer page, embedded in the binary. Paths are versioned by content length to bust caches. */
export const assets: Record<string, { type: string; body: string }> = {
  "/assets/jsmpeg.min.js": { type: "text/javascript; charset=utf-8", body: jsmpeg },
  "/assets/socket.io.js": { type: "text/javascript; charset=utf-8", body: socketIoClient },
  "/assets/viewer.css": { type: "text/css; charset=utf-8", body: viewerCss },
  "/assets/viewer.js": { type: "text/javascript; charset=utf-8", body: viewerJs },
};
