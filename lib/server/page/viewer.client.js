// The viewer page's script (runs in the browser; served from /assets/viewer.js).
// Video and audio: media.js on the relay's websockets (MPEG-1 through jsmpeg, H.264 through WebCodecs or
// MSE). Controls: hold-to-drive buttons from the robot's stored layout (key_position "down" on press and again
// every 150 ms while held, "up" on release; keyboard too). Chat, presence, viewer count and exclusive control
// over socket.io. window.letsrobotViewer exposes state for tests.
(() => {
  "use strict";
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const $ = (id) => document.getElementById(id);
  const view = {
    robotId: boot.robot_id,
    connected: false,
    framesDecoded: 0,
    audioFramesDecoded: 0,
    state: null,
    you: null,
    commandsSent: 0,
    refreshes: 0,
    lastAck: null,
    lastError: null,
  };
  window.letsrobotViewer = view;

  // Owner sign-in: open the page as /robot/ID#token=OWNER_TOKEN (the fragment never reaches the server's logs).
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem("letsrobot-token", fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }

  // ---- video and audio ----
  const wsBase = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/stream/${boot.camera_id}`;
  const canvas = $("video");
  const noVideo = $("no-video");
  const media = window.LetsrobotStream
    ? LetsrobotStream.startMedia({
        wsBase,
        canvas,
        box: canvas.parentElement,
        badge: $("video-path"),
        decoder: new URLSearchParams(location.search).get("decoder"),
        onVideoFrame: () => {
          view.framesDecoded += 1;
          if (view.framesDecoded === 1) noVideo.hidden = true;
        },
        onAudioFrame: () => {
          view.audioFramesDecoded += 1;
        },
      })
    : null;
  if (!media) noVideo.textContent = "video player failed to load";
  const sound = $("sound");
  sound.addEventListener("click", () => {
    if (!media) return;
    const on = sound.getAttribute("aria-pressed") !== "true";
    media.setSound(on);
    sound.setAttribute("aria-pressed", String(on));
    $("sound-label").textContent = on ? "sound on" : "sound off";
  });

  // ---- socket ----
  const auth = {};
  const token = sessionStorage.getItem("letsrobot-token");
  const savedName = localStorage.getItem("letsrobot-name");
  if (token) auth.token = token;
  else if (savedName) auth.name = savedName;
  // the server's session for this tab: a reconnect or reload is the same viewer (its name, its limits)
  const savedSession = sessionStorage.getItem("letsrobot-session");
  if (savedSession) auth.session = savedSession;
  const socket = io({ transports: ["websocket"], auth });

  const notice = $("notice");
  let noticeTimer = 0;
  function say(text) {
    notice.textContent = text;
    clearTimeout(noticeTimer);
    if (text) noticeTimer = setTimeout(() => (notice.textContent = ""), 5000);
  }

  function showState(state) {
    if (!state || state.robot_id !== boot.robot_id) return;
    view.state = state;
    const online = $("online");
    online.textContent = state.online ? "online" : "offline";
    online.className = `pill ${state.online ? "online" : "offline"}`;
    online.dataset.online = String(state.online);
    $("viewers").textContent = `${state.viewers} watching`;
    showExclusive(state.exclusive);
  }

  function showExclusive(user) {
    const box = $("exclusive");
    if (!user) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.hidden = false;
    const mine = view.you && view.you.name === user;
    box.textContent = mine ? "You have exclusive control of this robot." : `${user} has exclusive control right now: your buttons are paused.`;
  }

  socket.on("connect", () => {
    view.connected = true;
    socket.emit("watch_robot", { robot_id: boot.robot_id }, (reply) => {
      if (!reply || !reply.ok) return say((reply && reply.message) || "cannot watch this robot");
      view.you = reply.you;
      if (reply.you.session) {
        auth.session = reply.you.session;
        sessionStorage.setItem("letsrobot-session", reply.you.session);
      }
      const me = $("me");
      me.textContent = `you: ${reply.you.name}${reply.you.owner ? " (owner)" : ""}`;
      me.title = "click to change your name";
      if (reply.you.notice) say(reply.you.notice);
      $("messages").replaceChildren();
      for (const message of reply.chat) addMessage(message);
      showState(reply.state);
    });
  });
  socket.on("disconnect", () => {
    view.connected = false;
    const online = $("online");
    online.textContent = "reconnecting…";
    online.className = "pill offline";
  });
  socket.on("robot_state", showState);
  socket.on("exclusive_control", (event) => {
    if (event.robot_id !== boot.robot_id) return;
    systemLine(event.status === "start" ? `${event.user} now has exclusive control` : "exclusive control ended");
  });
  socket.on("robot_settings_changed", () => {
    fetch(`/api/v1/robots/${boot.robot_id}`)
      .then((r) => r.json())
      .then((settings) => {
        if (Array.isArray(settings.buttons)) renderButtons(settings.buttons);
        videoClick = settings.video_click === true;
      })
      .catch(() => {});
  });
  socket.on("error_event", (event) => say(event.message));

  $("me").addEventListener("click", () => {
    if (token) return;
    const name = prompt("Your name (letters, digits, _ . -)", savedName || "");
    if (name === null) return;
    if (name.trim()) localStorage.setItem("letsrobot-name", name.trim());
    else localStorage.removeItem("letsrobot-name");
    location.reload();
  });

  // ---- chat ----
  const messages = $("messages");
  function addMessage(m) {
    if (m.robot_id !== boot.robot_id) return;
    const li = document.createElement("li");
    li.dataset.id = m._id;
    const who = document.createElement("span");
    who.className = `who${m.anonymous ? " anon" : ""}`;
    who.style.color = m.username_color || "";
    who.textContent = m.name;
    const text = document.createElement("span");
    const body = String(m.message);
    text.textContent = body.startsWith("[") && body.indexOf("] ") > 0 ? body.slice(body.indexOf("] ") + 2) : body;
    if (!m.anonymous && m.name === boot.owner) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "owner";
      li.append(badge);
    }
    li.append(who, text);
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    messages.append(li);
    while (messages.children.length > 200) messages.firstElementChild.remove();
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }
  function systemLine(text) {
    const li = document.createElement("li");
    li.className = "system";
    li.textContent = text;
    messages.append(li);
    messages.scrollTop = messages.scrollHeight;
  }
  socket.on("chat_message_with_name", addMessage);
  socket.on("message_removed", (event) => {
    const li = messages.querySelector(`li[data-id="${CSS.escape(event.message_id)}"]`);
    if (li) li.remove();
  });
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (!text) return;
    socket.emit("chat_message", { robot_id: boot.robot_id, message: text }, (reply) => {
      view.lastAck = reply;
      if (reply && reply.ok) input.value = "";
      else say((reply && reply.message) || "message not sent");
    });
  });

  // ---- controls ----
  // The robot stops a held move 500 ms (its dead-man) after the last "down" it got, so while a button is held
  // the page repeats "down" for the most recent one well inside that; letting go, leaving or hiding the page
  // sends "up" (and a page that vanishes without a word simply stops refreshing).
  const REFRESH_MS = 150;
  const held = new Map(); // command -> button element, most recent last
  let refresher = 0;
  function send(command, position) {
    view.commandsSent += 1;
    socket.emit("command_to_robot", { robot_id: boot.robot_id, command, key_position: position }, (reply) => {
      view.lastAck = reply;
      if (reply && !reply.ok) {
        view.lastError = reply.error;
        say(reply.message);
      }
    });
  }
  function refresh() {
    const latest = [...held.keys()].pop();
    if (latest === undefined || !socket.connected) return;
    view.refreshes += 1;
    send(latest, "down");
  }
  function press(command, button) {
    if (held.has(command)) return;
    held.set(command, button);
    button.classList.add("held");
    send(command, "down");
    if (!refresher) refresher = setInterval(refresh, REFRESH_MS);
  }
  function release(command) {
    const button = held.get(command);
    if (!button) return;
    held.delete(command);
    button.classList.remove("held");
    if (held.size === 0) {
      clearInterval(refresher);
      refresher = 0;
    }
    send(command, "up");
  }
  function releaseAll() {
    for (const command of [...held.keys()]) release(command);
  }

  const arrows = { f: "▲", forward: "▲", b: "▼", back: "▼", backward: "▼", l: "◀", left: "◀", r: "▶", right: "▶" };
  const slots = { f: "f", forward: "f", b: "b", back: "b", backward: "b", l: "l", left: "l", r: "r", right: "r" };
  let keyMap = new Map();
  function renderButtons(buttons) {
    releaseAll();
    const box = $("controls");
    const dpad = document.createElement("div");
    dpad.className = "dpad";
    const extras = document.createElement("div");
    extras.className = "extras";
    keyMap = new Map();
    for (const def of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.command = def.command;
      const slot = slots[def.command.toLowerCase()];
      const keys = (def.keys || []).filter(Boolean);
      button.title = `${def.label}${keys.length ? ` (${keys.join(" / ")})` : ""}`;
      button.setAttribute("aria-label", def.label);
      if (slot && !dpad.querySelector(`[data-slot="${slot}"]`)) {
        button.dataset.slot = slot;
        button.textContent = arrows[def.command.toLowerCase()];
        dpad.append(button);
      } else {
        button.textContent = def.label;
        const hint = keys.find((k) => k.length === 1);
        if (hint) {
          const small = document.createElement("span");
          small.className = "key";
          small.textContent = hint.toUpperCase();
          button.append(small);
        }
        extras.append(button);
      }
      for (const key of keys) keyMap.set(key.length === 1 ? key.toLowerCase() : key, { command: def.command, button });
      button.addEventListener("pointerdown", (event) => {
        event.preventDefault();
        button.setPointerCapture(event.pointerId);
        press(def.command, button);
      });
      const up = () => release(def.command);
      button.addEventListener("pointerup", up);
      button.addEventListener("pointercancel", up);
      button.addEventListener("lostpointercapture", up);
      button.addEventListener("contextmenu", (event) => event.preventDefault());
      button.addEventListener("keydown", (event) => {
        if ((event.key === " " || event.key === "Enter") && !event.repeat) press(def.command, button);
      });
      button.addEventListener("keyup", (event) => {
        if (event.key === " " || event.key === "Enter") release(def.command);
      });
    }
    box.replaceChildren(...(dpad.children.length ? [dpad] : []), ...(extras.children.length ? [extras] : []));
  }
  renderButtons(boot.buttons);

  // ---- a click or tap on the video (when the owner turned video_click on) ----
  // Sent as the LetsRobot page did: custom_event mousedown:X:Y, X and Y 0..1 across the picture (not the
  // letterbox around it), five decimals.
  let videoClick = boot.video_click === true;
  const videoBox = document.querySelector(".video-box");
  videoBox.addEventListener("pointerdown", (event) => {
    // the picture shown (an overlay may lie on it while no video arrives)
    const media = videoBox.querySelector("canvas:not([hidden]), video:not([hidden])");
    if (!videoClick || !media) return;
    const width = media instanceof HTMLVideoElement ? media.videoWidth : media.width;
    const height = media instanceof HTMLVideoElement ? media.videoHeight : media.height;
    const box = media.getBoundingClientRect();
    const scale = Math.min(box.width / width, box.height / height);
    const x = (event.clientX - box.left - (box.width - width * scale) / 2) / (width * scale);
    const y = (event.clientY - box.top - (box.height - height * scale) / 2) / (height * scale);
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
    view.clicksSent = (view.clicksSent || 0) + 1;
    socket.emit("custom_event", { robot_id: boot.robot_id, data: `mousedown:${x.toFixed(5)}:${y.toFixed(5)}` }, (reply) => {
      if (reply && !reply.ok) say(reply.message);
    });
  });

  const typing = (event) => event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
  const mapped = (event) => keyMap.get(event.key.length === 1 ? event.key.toLowerCase() : event.key);
  document.addEventListener("keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const hit = mapped(event);
    if (!hit) return;
    event.preventDefault();
    if (!event.repeat) press(hit.command, hit.button);
  });
  document.addEventListener("keyup", (event) => {
    const hit = mapped(event);
    if (hit) release(hit.command);
  });
  window.addEventListener("blur", releaseAll);
  window.addEventListener("pagehide", releaseAll);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) releaseAll();
  });
})();
