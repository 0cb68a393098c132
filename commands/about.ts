import type { ArgsDef, ParsedArgs } from "citty";
import type { Deps } from "../lib/deps.ts";

/** Flags shared by the commands that talk to a robot platform. Each maps to a config key (configFlags in args.ts). */
const configArgs = {
  config: { type: "string", description: "Config file (default: ./letsrobot.toml, then ~/.config/letsrobot/letsrobot.toml)", valueHint: "file" },
  server: { type: "string", description: "Info server URL, or a viewer page http://HOST:PORT/robot/ID (server and robot id; overrides platform.server)", valueHint: "url" },
  "robot-id": { type: "string", description: "Robot id (overrides platform.robot_id)", valueHint: "id" },
  "camera-id": { type: "string", description: "Camera id (overrides platform.camera_id)", valueHint: "id" },
} as const;

const jsonArg = {
  json: { type: "boolean", description: "Print results as JSON on stdout" },
} as const;

/** Flags of the media commands; each maps to a config key (mediaFlags in args.ts). */
const mediaArgs = {
  device: { type: "string", description: "Camera by name or path (video.device); lavfi:<graph> for a generated picture", valueHint: "name" },
  mic: { type: "string", description: "Microphone by ALSA card name (audio.device); lavfi:<graph> for a generated sound", valueHint: "name" },
  width: { type: "string", description: "Capture width in pixels (video.width)", valueHint: "px" },
  height: { type: "string", description: "Capture height in pixels (video.height)", valueHint: "px" },
  fps: { type: "string", description: "Frames per second (video.fps)", valueHint: "n" },
  bitrate: { type: "string", description: "Video bitrate in kbit/s (video.bitrate_kbps)", valueHint: "kbps" },
  rotate: { type: "string", description: "Rotate by 0, 90, 180 or 270 degrees (video.rotate)", valueHint: "deg" },
  flip: { type: "boolean", description: "Mirror the picture (video.flip)" },
} as const;

const { mic: _mic, bitrate: _bitrate, ...cameraArgs } = mediaArgs;

const serverArgs = {
  config: configArgs.config,
  "data-dir": { type: "string", description: "Where the platform keeps its database (default: server.data_dir, else ~/.local/share/letsrobot)", valueHint: "dir" },
} as const;

const listenArgs = {
  host: { type: "string", description: "Address to listen on (default: server.host, else 127.0.0.1; 0.0.0.0 = every IPv4 interface, :: = IPv4 and IPv6)", valueHint: "addr" },
  port: { type: "string", description: "Port for lookups, sockets, relay and viewer pages (default: server.port, 8080; 0 = any free port)", valueHint: "port" },
} as const;

/** `serve robot add/list` listen on nothing: --host/--port only name the server in the viewer pages they print. */
const printedUrlArgs = {
  host: { type: "string", description: "Host in the viewer pages it prints (default: the last serve of this data dir, else server.host)", valueHint: "addr" },
  port: { type: "string", description: "Port in the viewer pages it prints (default: the last serve of this data dir, else server.port)", valueHint: "port" },
} as const;

const hardwareArgs = {
  config: configArgs.config,
  driver: { type: "string", description: "Body driver: sim, firmata, serial or none (overrides hardware.driver)", valueHint: "name" },
  port: { type: "string", description: "Serial port: a path, usb:VID:PID or auto (overrides hardware.port)", valueHint: "port" },
  baud: { type: "string", description: "Baud rate; 0 = driver default (overrides hardware.baud)", valueHint: "n" },
} as const;

/**
 * Every command's name, description and flags, keyed by the command line after `letsrobot`: the one source
 * of the `--help` text and of the flags citty parses. It loads no command's module, so `--help` and
 * `letsrobot SUB --help` cost about what `--version` costs (start-up, S1); commands/index.ts joins each
 * entry to the module that runs it.
 */
export const about = {
  letsrobot: { meta: { name: "letsrobot", description: "Put a robot online: live video, remote control, chat aloud. Global flags: --verbose, --quiet" } },
  doctor: {
    meta: { name: "doctor", description: "Check everything a robot needs and print a pass/warn/fail report (exit 3 if a required check fails)" },
    args: { ...configArgs, ...jsonArg },
  },
  probe: {
    meta: { name: "probe", description: "Resolve and time every platform endpoint, and handshake with each socket server; --rtmp URL handshakes with an RTMP ingest instead" },
    args: {
      ...configArgs,
      ...jsonArg,
      rtmp: { type: "string", description: "Only test this RTMP/RTMPS ingest (e.g. rtmp://live.twitch.tv/app): handshake and connect, no stream key sent", valueHint: "url" },
    },
  },
  send: {
    meta: { name: "send", description: "Send commands or chat to a robot as a viewer would (testing and scripting)" },
    args: {
      command: { type: "positional", required: false, description: "Command to send, e.g. F, B, L, R, stop", valueHint: "command" },
      chat: { type: "string", description: "Send this chat message instead of a command", valueHint: "text" },
      click: { type: "string", description: "Click on the video at X,Y (0..1 from the left and the top): custom_event mousedown:X:Y", valueHint: "x,y" },
      user: { type: "string", description: "Viewer name to send as (default: anonymous)", valueHint: "name" },
      hold: { type: "string", description: "Hold the button for MS: send down (repeated every 150 ms, as a held page button does), then up", valueHint: "ms" },
      repeat: { type: "string", description: "Send it N times", valueHint: "n" },
      interval: { type: "string", description: "Pause between repeats", valueHint: "ms" },
      script: { type: "string", description: "Read steps from a file (- = stdin): COMMAND | hold COMMAND MS | wait MS | chat TEXT | click X Y", valueHint: "file" },
      local: { type: "boolean", description: "Drive this machine's robot hardware directly, no server (uses hardware.driver)" },
      driver: { type: "string", description: "With --local: hardware driver (sim, firmata, serial); overrides hardware.driver", valueHint: "name" },
      port: { type: "string", description: "With --local: serial port path, usb:VID:PID or auto; overrides hardware.port", valueHint: "path" },
      "as-owner": { type: "boolean", description: "Send as the owner (uses platform.owner_token), so dot-commands can be tested" },
      timeout: { type: "string", description: "How long to wait for each acknowledgement (default 3000)", valueHint: "ms" },
      ...configArgs,
      ...jsonArg,
    },
  },
  watch: {
    meta: { name: "watch", description: "Print the events a robot receives (commands, chat, moderation) as the robot sees them" },
    args: { count: { type: "string", description: "Stop after N events", valueHint: "n" }, ...configArgs, ...jsonArg },
  },
  stream: {
    meta: {
      name: "stream",
      description:
        "Send camera and mic to the platform relay, and to Twitch when twitch.stream_key is set, and keep them running (test pattern and tone when no device is set)",
    },
    args: {
      ...configArgs,
      ...mediaArgs,
      video: { type: "boolean", default: true, description: "Stream video (--no-video: audio only)" },
      audio: { type: "boolean", default: true, description: "Stream audio (--no-audio: video only)" },
      "dry-run": { type: "boolean", description: "Print the ffmpeg commands (stream key redacted) and exit" },
      seconds: { type: "string", description: "Stop after this many seconds (default: until Ctrl-C)", valueHint: "s" },
    },
  },
  camera: {
    meta: { name: "camera", description: "Grab a frame from the camera to a PNG and measure its real frame rate; --list shows cameras with formats and sizes" },
    args: {
      config: configArgs.config,
      ...cameraArgs,
      ...jsonArg,
      list: { type: "boolean", description: "List cameras (name, path, formats and sizes) and exit" },
      seconds: { type: "string", description: "How long to measure the frame rate (default 3)", valueHint: "s" },
      out: { type: "string", description: "Where to write the PNG (default ./camera-<time>.png)", valueHint: "file" },
    },
  },
  mic: {
    meta: { name: "mic", description: "Record a few seconds from the microphone and show its level in dBFS; --play plays it back; --list shows sound cards" },
    args: {
      config: configArgs.config,
      ...jsonArg,
      mic: mediaArgs.mic,
      list: { type: "boolean", description: "List capture and playback devices by ALSA card name and exit" },
      seconds: { type: "string", description: "How long to record (default 3)", valueHint: "s" },
      play: { type: "boolean", description: "Play the recording back afterwards" },
      speaker: { type: "string", description: "Speaker for --play by ALSA card name (default tts.speaker, else the system default)", valueHint: "name" },
      out: { type: "string", description: "Also save the recording as a WAV file", valueHint: "file" },
    },
  },
  serve: {
    meta: { name: "serve", description: "Run a complete local robot platform: lookups, sockets, video relay and viewer pages" },
    args: {
      ...listenArgs,
      ...serverArgs,
      "app-port": { type: "string", description: "Also accept app (video status) sockets on this port, as old clients expect (e.g. 8022)", valueHint: "port" },
      tls: {
        type: "string",
        description:
          "self-signed: make (once, in the data dir) and use a certificate for this machine's names and LAN addresses; the port then speaks HTTPS/WSS and plain HTTP (own certificate: server.tls_cert, server.tls_key)",
        valueHint: "self-signed",
      },
    },
  },
  "serve robot": { meta: { name: "robot", description: "Manage the robots of the local platform" } },
  "serve robot add": {
    meta: { name: "add", description: "Create a robot (or give an existing one new keys) and print its ids and keys, shown only this once" },
    args: {
      name: { type: "positional", required: true, description: "Robot name (letters, digits, _ . -)", valueHint: "name" },
      owner: { type: "string", description: "Owner's user name (default: owner)", valueHint: "name" },
      "require-key": { type: "boolean", description: "Refuse robot sockets that do not present the robot key (on for new robots; --no-require-key lets old key-less clients in)" },
      out: { type: "string", description: "Write the robot's letsrobot.toml with its keys to FILE (mode 600). Keys are printed on a terminal only: otherwise they go to {data dir}/keys/NAME.toml", valueHint: "file" },
      ...serverArgs,
      ...printedUrlArgs,
      ...jsonArg,
    },
  },
  "serve robot list": { meta: { name: "list", description: "List the robots in the data dir (no keys)" }, args: { ...serverArgs, ...printedUrlArgs, ...jsonArg } },
  "serve robot set": {
    meta: { name: "set", description: "Change a robot's settings: key requirement, resolution, mic, anonymous driving" },
    args: {
      name: { type: "positional", required: true, description: "Robot name", valueHint: "name" },
      "require-key": { type: "boolean", description: "Refuse robot sockets without the robot key (--no-require-key allows old clients)" },
      xres: { type: "string", description: "Video width the robot should stream", valueHint: "px" },
      yres: { type: "string", description: "Video height the robot should stream", valueHint: "px" },
      mic: { type: "boolean", description: "Stream the microphone (--no-mic turns it off)" },
      "anonymous-control": { type: "boolean", description: "Let anonymous viewers drive (--no-anonymous-control)" },
      "video-click": { type: "boolean", description: "The viewer page sends a click on the video to the robot (custom_event mousedown:X:Y); --no-video-click" },
      ...serverArgs,
    },
  },
  run: {
    meta: {
      name: "run",
      description:
        "Run the robot: connect to the platform (or start a local one when platform.server is empty), obey commands, speak chat, stream video, recover by itself; Ctrl-C stops it",
    },
    args: {
      ...configArgs,
      json: { type: "boolean", description: "Event log on stdout, one JSON object per line (sockets, commands, chat, stops)" },
      host: { type: "string", description: "Address the local platform listens on (server.host; default :: = every interface, so phones on the network can drive; 127.0.0.1 = this machine only)", valueHint: "addr" },
      port: { type: "string", description: "Port of the local platform when none is configured (server.port; 0 = any free port)", valueHint: "port" },
      "status-port": { type: "string", description: "Serve live status JSON on http://127.0.0.1:PORT/status (behaviour.status_port; 0 = off, the default)", valueHint: "port" },
    },
  },
  hw: { meta: { name: "hw", description: "The robot's body: list serial ports, self-test the motors/servos/LED, drive one command locally" } },
  "hw list": { meta: { name: "list", description: "List serial ports with their USB vendor/product ids, maker and serial number" }, args: { ...jsonArg } },
  "hw test": {
    meta: { name: "test", description: "Self-test: each motor briefly each way at low speed, servos sweep, LED blinks (asks first; --yes skips)" },
    args: { ...hardwareArgs, yes: { type: "boolean", alias: "y", description: "Do not ask for confirmation" } },
  },
  "hw drive": {
    meta: { name: "drive", description: "Send one robot command (F, B, L, R, U, D, stop, LED_ON, ...) straight to the body, no server; then stop" },
    args: { command: { type: "positional", required: true, description: "The command, as a viewer would send it", valueHint: "command" }, ...hardwareArgs, ...jsonArg },
  },
  service: { meta: { name: "service", description: "Run the robot as a systemd service" } },
  "service install": {
    meta: { name: "install", description: "Write a systemd unit that keeps `letsrobot run` up (Restart=always, watchdog) and print how to enable it" },
    args: {
      config: { type: "string", description: "Config file the service runs with (default: the one `run` would find now)", valueHint: "file" },
      user: { type: "boolean", description: "Install a user unit (~/.config/systemd/user) even when running as root" },
      print: { type: "boolean", description: "Print the unit on stdout and write nothing" },
      watchdog: { type: "string", default: "30", description: "Seconds hung or unhealthy (control socket down or refused, no video) before systemd restarts the robot", valueHint: "s" },
    },
  },
  init: {
    meta: { name: "init", description: "Write a commented starter config file (letsrobot.toml)" },
    args: {
      path: { type: "positional", required: false, description: "Where to write it (default ./letsrobot.toml)", valueHint: "file" },
      server: { type: "string", description: "Info server URL to put in the file", valueHint: "url" },
      "robot-id": { type: "string", description: "Robot id to put in the file", valueHint: "id" },
      "camera-id": { type: "string", description: "Camera id to put in the file", valueHint: "id" },
      force: { type: "boolean", description: "Overwrite an existing file" },
    },
  },
} as const;

/** A command that runs (it has flags). */
export type Runnable = { [K in keyof typeof about]: (typeof about)[K] extends { args: ArgsDef } ? K : never }[keyof typeof about];

/** What `letsrobot NAME` does with its parsed flags and the outside world; its module is loaded only to run it. */
export type Action<K extends Runnable> = (args: ParsedArgs<(typeof about)[K]["args"]>, deps: Deps) => unknown;
