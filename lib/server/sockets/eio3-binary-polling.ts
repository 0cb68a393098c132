/**
 * Engine.IO v3 long-polling framed the way socket.io 1.x/2.x servers framed it, for the historical Python robots.
 *
 * A v3 polling payload has two framings. Text: `<length>:<packet>` repeated. Binary: per packet a type byte
 * (0x00 = string packet), the packet's UTF-8 byte length as one byte per decimal digit (0x01 0x01 0x06 for 116),
 * 0xFF, then the packet bytes. The servers of the LetsRobot era (engine.io 1.x-3.x) answered every polling
 * request in binary framing unless the client asked for base64 (`b64=1`, or JSONP `j=`). Engine.IO 6, inside
 * socket.io 4 with `allowEIO3`, uses binary framing only when a packet holds binary data, so a plain handshake
 * comes back as `116:0{"sid"...`. socketIO-client 0.7.x (the LetsRobot and runmyrobot controllers,
 * letsrobot_unofficial) decodes only binary framing and fails on that with StopIteration.
 *
 * This adapter wraps the engine's transport factory: each new v3 polling transport whose client takes binary
 * gets a parser that always encodes payloads in binary framing. Everything else (Engine.IO v4 clients,
 * websockets, `b64` and JSONP clients, and how requests are decoded: engine.io already reads binary-framed POST
 * bodies sent as application/octet-stream) is left exactly as it was.
 */

type Packets = unknown[];
type Done = (payload: unknown) => void;

/** The parts of engine.io's v3 parser this adapter uses. */
interface V3Parser {
  encodePayload(packets: Packets, supportsBinary: boolean, done: Done): void;
  encodePayloadAsBinary(packets: Packets, done: Done): void;
}

interface EngineTransport {
  name: string;
  protocol: number;
  supportsBinary: boolean;
  parser: unknown;
}

/** The engine.io server as socket.io exposes it (`io.engine`; `createTransport` is a protected method there). */
interface TransportFactory {
  createTransport(name: string, req: { _query?: Record<string, string | undefined> }): unknown;
}

export function frameV3PollingInBinary(io: { engine: object }): void {
  const engine = io.engine as TransportFactory;
  const create = engine.createTransport.bind(engine);
  engine.createTransport = (name, req) => {
    const transport = create(name, req) as EngineTransport;
    if (transport.name === "polling" && transport.protocol === 3 && transport.supportsBinary && req._query?.j === undefined) {
      const parser = transport.parser as V3Parser;
      transport.parser = { ...parser, encodePayload: (packets: Packets, _supportsBinary: boolean, done: Done) => parser.encodePayloadAsBinary(packets, done) };
    }
    return transport;
  };
}
