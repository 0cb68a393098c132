/**
 * The config schema as data: every key with its type, default, limits and one line of help.
 * Validation, env-variable mapping and the `init` template are all derived from this table.
 */
type FieldType = "string" | "number" | "boolean" | "strings" | "table";

export interface Field {
  type: FieldType;
  default: unknown;
  doc: string;
  min?: number;
  max?: number;
  integer?: boolean;
  choices?: readonly (string | number)[];
  /** Never printed or logged in clear. */
  secret?: boolean;
}

export type Section = Record<string, Field>;

type Typed<T extends FieldType> = Field & { type: T };
const str = (def: string, doc: string, extra: Partial<Field> = {}): Typed<"string"> => ({ ...extra, type: "string", default: def, doc });
const num = (def: number, doc: string, extra: Partial<Field> = {}): Typed<"number"> => ({ ...extra, type: "number", default: def, doc });
const int = (def: number, min: number, max: number, doc: string): Typed<"number"> => ({ type: "number", default: def, doc, min, max, integer: true });
const bool = (def: boolean, doc: string): Typed<"boolean"> => ({ type: "boolean", default: def, doc });
const pin = (def: number, doc: string): Typed<"number"> => int(def, -1, 69, `${doc} (-1 = not connected)`);

export const schema = {
  platform: {
    server: str("", "Info server URL, e.g. http://letsrobot.example:80. Empty = start the embedded local platform"),
    protocol: str("letsrobot", "Wire protocol of the server", { choices: ["letsrobot", "remo"] }),
    socket_version: str("auto", "socket.io protocol of the server: 2 (legacy, Engine.IO v3), 4, or auto-detect", {
      choices: ["auto", "2", "4"],
    }),
    robot_id: str("", "Robot id (digits) given by the site; controls and chat"),
    camera_id: str("", "Camera id (digits) given by the site; video and audio"),
    owner: str("", "Owner's user name (looked up from the server when empty)"),
    stream_key: str("", "Secret that authorises pushing video for this camera", { secret: true }),
    robot_key: str("", "Secret robot key presented when the robot connects", { secret: true }),
    owner_token: str("", "Owner's secret token, for `letsrobot send --as-owner` (owner chat commands)", { secret: true }),
    app_port: int(0, 0, 65535, "Port of the app (video status) socket on the info host; 0 = the info server's own port (LetsRobot.tv used 8022)"),
    channel: str("", "Remo (protocol = remo): channel to join, by name; empty = the first channel of the robot's server"),
    transmit_url: str("", "Remo (protocol = remo): base URL of the video/audio upload (/transmit); empty = the server's host on port 1567"),
    timeout_ms: int(5000, 100, 120000, "Timeout of one HTTP lookup"),
    retries: int(3, 0, 100, "Retries of a failed lookup before giving up"),
  },
  video: {
    enabled: bool(true, "Stream video"),
    source: str("auto", "Video source kind; auto = device if set, else url, else the Raspberry Pi camera (libcamera: rpicam-vid, or libcamera-vid) when one is connected, else test pattern", {
      choices: ["auto", "test", "v4l2", "libcamera", "http"],
    }),
    device: str("", "Camera by name (as in `letsrobot camera --list`) or path such as /dev/video0"),
    url: str("", "Camera URL for source = http (MJPEG or snapshot stream)"),
    width: int(640, 16, 3840, "Frame width in pixels"),
    height: int(480, 16, 2160, "Frame height in pixels"),
    fps: int(30, 1, 60, "Frames per second"),
    bitrate_kbps: int(1000, 50, 20000, "Video bitrate in kbit/s"),
    rotate: int(0, 0, 270, "Rotate the picture by 0, 90, 180 or 270 degrees"),
    flip: bool(false, "Mirror the picture horizontally"),
    brightness: num(0, "Brightness adjustment, -1.0 to 1.0", { min: -1, max: 1 }),
    contrast: num(1, "Contrast factor, 0.0 to 2.0", { min: 0, max: 2 }),
    input_format: str("", "Camera input format such as mjpeg or yuyv422 (empty = camera default)"),
    format: str("mpeg1", "Video codec: mpeg1 (MPEG-1 + MP2, what LetsRobot.tv/Remo.tv pages play) or h264 (H.264 + AAC, about a third of the bitrate; the letsrobot viewer page plays it)", {
      choices: ["mpeg1", "h264"],
    }),
    encoder: str("auto", "H.264 encoder: auto = the hardware encoder (h264_v4l2m2m) when the machine has one (Raspberry Pi 1-4), else libx264", {
      choices: ["auto", "libx264", "h264_v4l2m2m"],
    }),
  },
  audio: {
    enabled: bool(true, "Stream audio"),
    source: str("auto", "Audio source kind; auto = device if set, else a test tone", {
      choices: ["auto", "test", "alsa", "pulse"],
    }),
    device: str("", "Microphone by ALSA card name (as in `letsrobot mic --list`), or a pulse source name"),
    rate: int(44100, 8000, 48000, "Sample rate in Hz"),
    bitrate_kbps: int(32, 8, 384, "Audio bitrate in kbit/s"),
    channels: int(1, 1, 2, "1 = mono, 2 = stereo"),
  },
  tts: {
    enabled: bool(true, "Speak chat messages aloud"),
    engine: str("espeak-ng", "Text-to-speech engine", { choices: ["espeak-ng", "festival", "pico", "none"] }),
    voice: str("en", "Voice name for the engine"),
    volume: int(80, 0, 100, "Speech volume in percent"),
    speaker: str("", "Speaker by ALSA card name (empty = system default)"),
    max_length: int(200, 1, 2000, "Longest message spoken, in characters; longer ones are cut"),
    filter_urls: bool(true, "Do not read out links"),
    allow_anonymous: bool(true, "Speak messages from anonymous viewers"),
    delay_ms: int(0, 0, 60000, "Wait this long before speaking, so a moderator can remove a message"),
    boot_message: str("", "Said once when the robot comes online"),
    output_dir: str("", "Write each spoken message to a WAV file in this directory instead of playing it (recording, tests)"),
  },
  hardware: {
    driver: str("sim", "Robot body driver", { choices: ["sim", "firmata", "serial", "none"] }),
    port: str("auto", "Serial port path, usb:VID:PID, or auto (the one Arduino-like device)"),
    baud: int(0, 0, 2000000, "Baud rate; 0 = driver default (57600 Firmata, 9600 serial)"),
    drive_ms: int(500, 10, 10000, "Length of a forward/back pulse in ms"),
    turn_ms: int(400, 10, 10000, "Length of a turn pulse in ms"),
    speed: int(255, 0, 255, "Motor speed as PWM duty 0-255"),
    trim_left: num(1, "Left motor speed factor 0.0-1.0", { min: 0, max: 1 }),
    trim_right: num(1, "Right motor speed factor 0.0-1.0", { min: 0, max: 1 }),
    preset: str("", "Wiring of a common kit: dfrobot-l298p or arduino-motor-shield; its pins replace the defaults, keys you set win", {
      choices: ["", "dfrobot-l298p", "arduino-motor-shield"],
    }),
    motor_style: str("pwm-dir", "Motor wiring: pwm-dir (PWM + direction pin) or dual (two-pin H-bridge such as L298N)", {
      choices: ["pwm-dir", "dual"],
    }),
    left_pwm: pin(5, "Left motor PWM pin"),
    left_dir: pin(4, "Left motor direction pin (dual: second input pin)"),
    right_pwm: pin(6, "Right motor PWM pin"),
    right_dir: pin(7, "Right motor direction pin (dual: second input pin)"),
    pan_pin: pin(9, "Pan servo pin"),
    tilt_pin: pin(10, "Tilt servo pin"),
    pan_min: int(10, 0, 180, "Pan servo lowest angle"),
    pan_max: int(170, 0, 180, "Pan servo highest angle"),
    tilt_min: int(30, 0, 180, "Tilt servo lowest angle"),
    tilt_max: int(150, 0, 180, "Tilt servo highest angle"),
    pan_centre: int(-1, -1, 180, "Pan servo centre angle (-1 = halfway between pan_min and pan_max)"),
    tilt_centre: int(-1, -1, 180, "Tilt servo centre angle (-1 = halfway between tilt_min and tilt_max)"),
    servo_step: int(10, 1, 90, "Degrees moved per pan/tilt command"),
    click: str("off", "What a viewer's click on the video does (when the robot's owner turns video_click on in serve): aim = pan/tilt toward the point, turn = turn the robot toward it", { choices: ["off", "aim", "turn"] }),
    click_fov: int(60, 10, 180, "Horizontal view of the camera in degrees: a click at the picture's edge pans by half of it (tilt: 3/4 of that)"),
    led_pin: pin(13, "LED pin"),
    battery_pin: int(-1, -1, 15, "Analog pin of a battery voltage divider (-1 = none)"),
    battery_scale: num(2, "Battery volts per volt at battery_pin (2 for a divider of two equal resistors)", { min: 1, max: 20 }),
    battery_charging_volts: num(0, "Battery voltage at or above which the robot reports it is charging (0 = never)", { min: 0, max: 60 }),
    handshake_ms: int(10000, 500, 120000, "firmata driver: how long the board may take to answer after the port opens (a Leonardo needs ~12000)"),
    serial_ack: bool(false, "serial driver: wait for the sketch's OK/ERR reply to each command and fail on ERR"),
    outputs: {
      type: "table" as const,
      default: {},
      doc: 'Extra outputs (LEDs, relays) by name and pin, e.g. { headlight = "8" }; the commands HEADLIGHT_ON / HEADLIGHT_OFF switch them',
    },
  },
  behaviour: {
    deadman_ms: int(500, 50, 10000, "Stop the motors this long after the last refresh of a held move"),
    liveness_s: int(15, 3, 300, "Reconnect when the server has been silent this long"),
    status_interval_s: int(30, 1, 300, "Seconds between video status reports"),
    owner_commands: bool(true, "Allow owner chat commands such as .table on"),
    mod_commands: bool(true, "Allow moderators to use chat commands"),
    anonymous_control: bool(true, "Let anonymous viewers drive"),
    status_port: int(0, 0, 65535, "Serve the robot's live status as JSON on http://127.0.0.1:PORT/status (0 = off)"),
  },
  commands: {
    map: {
      type: "table" as const,
      default: {},
      doc: 'Extra command names, e.g. FWD = "forward" (built-in: F B L R U D stop LED_ON LED_OFF, any case)',
    },
  },
  server: {
    host: str("", "Address the platform listens on; empty = run's embedded platform on every interface (::, so a phone on the same network can open the robot's page), serve on 127.0.0.1; 127.0.0.1 = this machine only"),
    port: int(8080, 0, 65535, "Port of the local platform (lookups, sockets, relay, viewer page); 0 = any free port"),
    data_dir: str("", "Where the local platform keeps its database (empty = ~/.local/share/letsrobot)"),
    redis_url: str("", "serve: Redis shared by several serve processes behind one address, e.g. redis://127.0.0.1:6379 (empty = one process); see docs/deploy.md", { secret: true }),
    node_id: str("", "serve: this process's name among its peers on Redis (empty = host name and a random suffix)"),
    tls_cert: str("", "serve: PEM certificate file; with tls_key the port speaks HTTPS and WSS as well as plain HTTP (docs/serve.md, TLS)"),
    tls_key: str("", "serve: PEM private key file of tls_cert"),
    public_port: int(0, 0, 65535, "serve: port the lookups tell robots to use, when a reverse proxy listens on another port than serve (0 = serve's own port)"),
    viewers_per_address: int(32, 0, 100000, "serve: most video/audio viewers from one address; 0 = no per-address cap (behind a reverse proxy every viewer has its address)"),
  },
  twitch: {
    chat: bool(false, "Take robot commands from a Twitch channel's chat (see docs/twitch.md)"),
    channel: str("", "Twitch channel (login name, without #) whose chat drives the robot"),
    bot_login: str("", "Twitch account the robot logs in as; empty = anonymous read-only login, which needs no token"),
    oauth_token: str("", "OAuth user token of bot_login with the chat:read scope (the oauth: prefix is optional)", { secret: true }),
    irc_url: str("wss://irc-ws.chat.twitch.tv:443", "Twitch chat over websocket (ws:// or wss://)"),
    prefixes: { type: "strings" as const, default: ["!"], doc: 'Prefixes of chat commands, e.g. ["!", "#"]; "" = bare words count too' },
    aliases: {
      type: "table" as const,
      default: {},
      doc: 'Extra chat words, e.g. fwd = "F", dance = "LED_ON" (built-in: f fwd forward b back backward l left r right s stop u up d down); "" removes one',
    },
    mod_only: { type: "strings" as const, default: [], doc: 'Robot commands only moderators and the broadcaster may send, e.g. ["LED_ON"]' },
    mode: str("direct", "direct = every accepted command is sent; vote = chat votes, the winner of each window is sent", {
      choices: ["direct", "vote"],
    }),
    vote_window_ms: int(3000, 100, 600000, "Vote mode: how long a vote stays open after its first ballot"),
    user_cooldown_ms: int(1000, 0, 600000, "Least time between two accepted commands of one chat user (0 = none)"),
    user_per_minute: int(30, 0, 10000, "Commands accepted per chat user per minute (0 = no limit)"),
    global_per_second: int(10, 0, 10000, "Commands sent per second from all of chat (0 = no limit)"),
    extension: bool(false, "Serve the Twitch extension backend for the overlay panel (see docs/twitch.md)"),
    ext_client_id: str("", "Client ID of your Twitch extension; its panel's origin https://<client id>.ext-twitch.tv is allowed"),
    ext_secret: str("", "Extension secret as shown by Twitch (base64); verifies viewers' tokens", { secret: true }),
    ext_channel_id: str("", "Numeric Twitch channel id of the robot's channel; tokens for other channels are refused"),
    ext_origins: { type: "strings" as const, default: [], doc: 'Extra allowed panel origins, e.g. ["https://localhost:8080"] for local testing' },
    ext_path: str("/twitch/ext", "URL path of the extension backend on the local platform"),
    ext_user_per_second: int(8, 0, 1000, "Panel requests per viewer per second, hold refreshes included (0 = no limit)"),
    ext_allow_anonymous: bool(false, "Let logged-out viewers drive from the panel (they get a new id on every page load)"),
    robot_id: str("", "serve: id of the robot that Twitch commands drive (empty = the only robot on the server)"),
    stream_key: str("", "Broadcast the robot's camera and mic to this Twitch channel (Creator Dashboard → Settings → Stream → Primary Stream key); empty = no broadcast", { secret: true }),
    ingest: str("rtmp://live.twitch.tv/app", "Where the broadcast goes: Twitch's nearest ingest by default; any rtmp:// or rtmps:// address (YouTube, Owncast, nginx-rtmp), the key added as the stream name"),
    video_bitrate_kbps: int(2500, 300, 8000, "Broadcast video bitrate (constant), kbit/s"),
    audio_bitrate_kbps: int(128, 32, 320, "Broadcast audio bitrate (AAC), kbit/s"),
    width: int(0, 0, 3840, "Broadcast width in pixels (0 = video.width)"),
    height: int(0, 0, 2160, "Broadcast height in pixels (0 = video.height)"),
  },
} as const satisfies Record<string, Section>;

type Schema = typeof schema;
type ValueOf<F> = F extends { type: "number" }
  ? number
  : F extends { type: "boolean" }
    ? boolean
    : F extends { type: "strings" }
      ? string[]
      : F extends { type: "table" }
        ? Record<string, string>
        : string;

export type Config = { [S in keyof Schema]: { [K in keyof Schema[S]]: ValueOf<Schema[S][K]> } };

export function defaults(): Config {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(schema)) {
    out[section] = {};
    for (const [key, field] of Object.entries(fields as Section)) {
      out[section][key] = structuredClone(field.default);
    }
  }
  return out as Config;
}

/** Every secret value in a config, for redaction. */
export function secretsOf(config: Config): string[] {
  const found: string[] = [];
  for (const [section, fields] of Object.entries(schema)) {
    for (const [key, field] of Object.entries(fields as Section)) {
      const value = (config as Record<string, Record<string, unknown>>)[section]?.[key];
      if (field.secret && typeof value === "string" && value) found.push(value);
    }
  }
  return found;
}
