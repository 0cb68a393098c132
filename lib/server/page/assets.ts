import jsmpeg from "jsmpeg-player/build/jsmpeg-player.min.js" with { type: "text" };
import socketIoClient from "socket.io-client/dist/socket.io.js" with { type: "text" };
import aac from "./aac.client.js" with { type: "text" };
import fmp4 from "./fmp4.client.js" with { type: "text" };
import h264 from "./h264.client.js" with { type: "text" };
import media from "./media.client.js" with { type: "text" };
import mse from "./mse.client.js" with { type: "text" };
import tsDemux from "./ts-demux.client.js" with { type: "text" };
import viewerCss from "./viewer.css" with { type: "text" };
import viewerJs from "./viewer.client.js" with { type: "text" };

const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="5" y="9" width="22" height="17" rx="5" fill="#3fb68b"/><circle cx="12" cy="17" r="3" fill="#0f1419"/><circle cx="20" cy="17" r="3" fill="#0f1419"/><path d="M16 9V4" stroke="#3fb68b" stroke-width="2.5" stroke-linecap="round"/><circle cx="16" cy="4" r="2" fill="#3fb68b"/></svg>`;

/** The page's video and audio players, loaded in this order after jsmpeg (media.js uses the others). */
const players = { "ts-demux": tsDemux, h264, fmp4, mse, aac, media };
export const mediaScripts = Object.keys(players);

/** Static files of the viewer page, embedded in the binary. */
export const assets: Record<string, { type: string; body: string }> = {
  "/assets/jsmpeg.min.js": { type: "text/javascript; charset=utf-8", body: jsmpeg },
  "/assets/socket.io.js": { type: "text/javascript; charset=utf-8", body: socketIoClient },
  "/assets/viewer.css": { type: "text/css; charset=utf-8", body: viewerCss },
  "/assets/viewer.js": { type: "text/javascript; charset=utf-8", body: viewerJs },
  "/favicon.ico": { type: "image/svg+xml", body: favicon },
  ...Object.fromEntries(Object.entries(players).map(([name, body]) => [`/assets/${name}.js`, { type: "text/javascript; charset=utf-8", body }])),
};
