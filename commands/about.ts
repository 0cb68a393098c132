/**
 * One line per subcommand: its `meta`. The root command and `letsrobot --help` read these without loading
 * any subcommand's module, so the help costs what `--version` costs.
 */
export const about = {
  doctor: { name: "doctor", description: "Check everything a robot needs and print a pass/warn/fail report (exit 3 if a required check fails)" },
  probe: { name: "probe", description: "Resolve and time every platform endpoint, and handshake with each socket server; --rtmp URL handshakes with an RTMP ingest instead" },
  send: { name: "send", description: "Send commands or chat to a robot as a viewer would (testing and scripting)" },
  watch: { name: "watch", description: "Print the events a robot receives (commands, chat, moderation) as the robot sees them" },
  stream: {
    name: "stream",
    description:
      "Send camera and mic to the platform relay, and to Twitch when twitch.stream_key is set, and keep them running (test pattern and tone when no device is set)",
  },
  camera: { name: "camera", description: "Grab a frame from the camera to a PNG and measure its real frame rate; --list shows cameras with formats and sizes" },
  mic: { name: "mic", description: "Record a few seconds from the microphone and show its level in dBFS; --play plays it back; --list shows sound cards" },
  serve: { name: "serve", description: "Run a complete local robot platform: lookups, sockets, video relay and viewer pages" },
  run: {
    name: "run",
    description:
      "Run the robot: connect to the platform (or start a local one when platform.server is empty), obey commands, speak chat, stream video, recover by itself; Ctrl-C stops it",
  },
  hw: { name: "hw", description: "The robot's body: list serial ports, self-test the motors/servos/LED, drive one command locally" },
  service: { name: "service", description: "Run the robot as a systemd service" },
  init: { name: "init", description: "Write a commented starter config file (letsrobot.toml)" },
} as const;
