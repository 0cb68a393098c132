/**
 * The page part (lib/server/page/): what a viewer's browser gets. It owns the HTML of the index and robot
 * pages (this file), the scripts and styles compiled into the binary (assets.ts) and the browser code itself
 * (*.client.js: controls, the jsmpeg, WebCodecs and MSE players, the MPEG-TS demuxer).
 */
import type { RobotRecord } from "../store/robot-record.ts";
import { mediaScripts } from "./assets.ts";

/** HTML text with the five special characters escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="dark light">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/assets/viewer.css">
</head>`;

/** The page a human opens to watch and drive one robot. The client script reads its data from #boot. */
export function viewerPage(robot: RobotRecord): string {
  const boot = { robot_id: robot.id, camera_id: robot.cameraId, name: robot.name, owner: robot.owner, buttons: robot.buttons, video_click: robot.settings.video_click };
  return `${head(`${robot.name} · letsrobot`)}
<body>
<header class="bar">
  <a class="brand" href="/">letsrobot</a>
  <h1 id="robot-name">${escapeHtml(robot.name)}</h1>
  <span id="online" class="pill offline" data-online="false">offline</span>
  <span id="viewers" class="pill" title="people watching">0 watching</span>
</header>
<main class="layout">
  <section class="stage">
    <div class="video-box">
      <canvas id="video" width="${robot.settings.xres}" height="${robot.settings.yres}" aria-label="live video of ${escapeHtml(robot.name)}"></canvas>
      <div id="no-video" class="overlay">waiting for video…</div>
      <span id="video-path" class="path-badge" hidden></span>
      <button id="sound" class="sound" type="button" aria-pressed="false" title="turn sound on or off"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M11 5 6 9H3v6h3l5 4z"/><path class="waves" d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13"/><path class="cross" d="m16 9 6 6m0-6-6 6"/></svg><span id="sound-label">sound off</span></button>
    </div>
    <div id="exclusive" class="exclusive" hidden></div>
    <div id="controls" class="controls" aria-label="robot controls"></div>
    <p class="hint">Hold a button (or its key) to drive; release to stop.</p>
  </section>
  <aside class="chat">
    <div class="chat-head"><h2>Chat</h2><span id="me" class="me"></span></div>
    <ol id="messages" class="messages" aria-live="polite"></ol>
    <form id="chat-form" class="chat-form" autocomplete="off">
      <input id="chat-input" name="message" maxlength="500" placeholder="Say something to ${escapeHtml(robot.name)}…" aria-label="chat message">
      <button type="submit">Send</button>
    </form>
    <p id="notice" class="notice" role="status"></p>
  </aside>
</main>
<script id="boot" type="application/json">${scriptJson(boot)}</script>
<script src="/assets/socket.io.js"></script>
<script src="/assets/jsmpeg.min.js"></script>
${mediaScripts.map((name) => `<script src="/assets/${name}.js"></script>`).join("\n")}
<script src="/assets/viewer.js"></script>
</body>
</html>
`;
}

/** `/`: every robot on this server, linking to its viewer page, and the server's warnings. */
export function indexPage(robots: { robot: RobotRecord; online: boolean; viewers: number }[], warnings: string[] = []): string {
  const rows = robots
    .map(({ robot, online, viewers }) => `<li><a href="/robot/${robot.id}">${escapeHtml(robot.name)}</a> <span class="pill ${online ? "online" : "offline"}">${online ? "online" : "offline"}</span> <span class="muted">owner ${escapeHtml(robot.owner)} · ${viewers} watching</span></li>`)
    .join("\n");
  return `${head("letsrobot")}
<body>
<header class="bar"><a class="brand" href="/">letsrobot</a><h1>Robots on this server</h1></header>
<main class="index">
${rows ? `<ul class="robots">${rows}</ul>` : '<p class="muted">No robots yet. Add one with <code>letsrobot serve robot add NAME</code>.</p>'}
${warnings.length ? `<h2>Warnings</h2><ul class="warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>` : ""}
<p class="muted">Machine-readable status: <a href="/api/status">/api/status</a> · health: <a href="/healthz">/healthz</a></p>
</main>
</body>
</html>
`;
}
