// letsrobot Twitch panel: hold-to-drive buttons that call the robot's extension backend.
// Plain browser JavaScript, no build step: upload this folder as the extension's assets.
"use strict";

// EDIT THIS before zipping: the public HTTPS address of your robot's `letsrobot serve`, plus twitch.ext_path.
// The host must also be listed under "Allowlist for URL Fetching Domains" in the extension's capabilities.
const BACKEND_URL = "https://robot.example.com/twitch/ext";

// While a button is held the panel repeats it this often, so the robot's dead-man timer
// (behaviour.deadman_ms, 500 ms by default) keeps it moving; letting go sends the release.
const REFRESH_MS = 200;

const statusLine = document.getElementById("status");
const buttons = Array.from(document.querySelectorAll("button[data-command]"));
let token = "";
let held = null; // { button, command, timer }

function show(text, isError) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", Boolean(isError));
}

async function call(method, path, body) {
  const response = await fetch(BACKEND_URL + path, {
    method,
    headers: Object.assign({ Authorization: "Bearer " + token }, body ? { "Content-Type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch (_) {
    answer = {};
  }
  return { status: response.status, answer };
}

const problems = {
  401: "Twitch sign-in was not accepted; reload the panel.",
  403: "You cannot drive right now.",
  429: "Slow down a little.",
  503: "The robot is offline.",
};

async function send(command, keyPosition) {
  if (!token) return;
  try {
    const { status, answer } = await call("POST", "/command", { command, key_position: keyPosition });
    if (status === 200) show(keyPosition === "up" || keyPosition === "" ? "Ready." : "Driving: " + command);
    else show(answer.message || problems[status] || "Error " + status, true);
  } catch (_) {
    show("Cannot reach the robot.", true);
  }
}

function release() {
  if (!held) return;
  clearInterval(held.timer);
  held.button.classList.remove("held");
  const command = held.command;
  held = null;
  send(command, "up");
}

function press(button) {
  const command = button.dataset.command;
  release();
  if (command === "stop") {
    send(command, "");
    return;
  }
  button.classList.add("held");
  held = { button, command, timer: setInterval(() => send(command, "down"), REFRESH_MS) };
  send(command, "down");
}

for (const button of buttons) {
  button.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    press(button);
  });
  for (const name of ["pointerup", "pointercancel", "lostpointercapture"]) {
    button.addEventListener(name, () => {
      if (held && held.button === button) release();
    });
  }
  button.addEventListener("keydown", (event) => {
    if ((event.key === " " || event.key === "Enter") && !event.repeat) {
      event.preventDefault();
      press(button);
    }
  });
  button.addEventListener("keyup", (event) => {
    if (event.key === " " || event.key === "Enter") release();
  });
  button.addEventListener("contextmenu", (event) => event.preventDefault());
}
window.addEventListener("blur", release);
window.addEventListener("pagehide", release);
document.addEventListener("visibilitychange", () => {
  if (document.hidden) release();
});

async function checkIn() {
  try {
    const { status, answer } = await call("GET", "/status");
    if (status !== 200) {
      show(answer.message || problems[status] || "Error " + status, true);
      return;
    }
    const offered = new Set((answer.commands || []).map((c) => String(c).toLowerCase()));
    for (const button of buttons) button.disabled = !offered.has(button.dataset.command.toLowerCase());
    show("Ready.");
  } catch (_) {
    show("Cannot reach the robot.", true);
  }
}

if (window.Twitch && window.Twitch.ext) {
  // Called at load and again whenever Twitch refreshes the token.
  window.Twitch.ext.onAuthorized((auth) => {
    const first = !token;
    token = auth.token;
    if (first) checkIn();
  });
} else {
  show("This panel runs inside Twitch.", true);
}
