import {
  AVRADC,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  adcConfig,
  avrInstruction,
  CPU,
  PinState,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
} from "avr8js";

/**
 * An Arduino Uno as avr8js emulates it: ATmega328P at 16 MHz with its timers, USART, GPIO ports and ADC.
 * The only file that imports avr8js. Pins use Arduino numbering (0-13 digital, 14-19 = A0-A5).
 */
export const CLOCK_HZ = 16_000_000;

/** PWM pins: the timer register that enables the compare output (and its bit) and the compare register. */
const pwm: Record<number, { tccr: number; com: number; ocr: number }> = {
  3: { tccr: 0xb0, com: 0x20, ocr: 0xb4 }, // OC2B
  5: { tccr: 0x44, com: 0x20, ocr: 0x48 }, // OC0B
  6: { tccr: 0x44, com: 0x80, ocr: 0x47 }, // OC0A
  9: { tccr: 0x80, com: 0x80, ocr: 0x88 }, // OC1A (low byte)
  10: { tccr: 0x80, com: 0x20, ocr: 0x8a }, // OC1B (low byte)
  11: { tccr: 0xb0, com: 0x80, ocr: 0xb3 }, // OC2A
};

export class AvrBoard {
  readonly cpu: CPU;
  private readonly usart: AVRUSART;
  private readonly ports: { port: AVRIOPort; first: number }[];
  private readonly adc: AVRADC;
  private readonly rx: number[] = [];
  private readonly rise = new Map<number, number>();
  private readonly period = new Map<number, number>();
  /** Width in microseconds and end (CPU cycle) of the last complete high pulse seen on each pin. */
  private readonly pulses = new Map<number, { width: number; end: number }>();
  onSerialOut: (byte: number) => void = () => {};

  constructor(flash: Uint8Array) {
    const program = new Uint16Array(0x4000);
    program.set(new Uint16Array(flash.buffer, flash.byteOffset, Math.min(flash.byteLength, 0x8000) >> 1));
    this.cpu = new CPU(program);
    new AVRTimer(this.cpu, timer0Config);
    new AVRTimer(this.cpu, timer1Config);
    new AVRTimer(this.cpu, timer2Config);
    this.usart = new AVRUSART(this.cpu, usart0Config, CLOCK_HZ);
    this.usart.onByteTransmit = (byte) => this.onSerialOut(byte);
    this.usart.onRxComplete = () => this.feed();
    this.adc = new AVRADC(this.cpu, adcConfig);
    this.ports = [
      { port: new AVRIOPort(this.cpu, portDConfig), first: 0 },
      { port: new AVRIOPort(this.cpu, portBConfig), first: 8 },
      { port: new AVRIOPort(this.cpu, portCConfig), first: 14 },
    ];
    for (const { port, first } of this.ports) {
      port.addListener((value, old) => {
        const changed = value ^ old;
        for (let bit = 0; bit < 8; bit++) {
          if (!(changed & (1 << bit))) continue;
          const pin = first + bit;
          if (value & (1 << bit)) {
            const previous = this.rise.get(pin);
            this.period.set(pin, previous === undefined ? 0 : this.cpu.cycles - previous);
            this.rise.set(pin, this.cpu.cycles);
          }
          else {
            const start = this.rise.get(pin);
            if (start !== undefined) this.pulses.set(pin, { width: ((this.cpu.cycles - start) * 1e6) / CLOCK_HZ, end: this.cpu.cycles });
          }
        }
      });
    }
  }

  /** Bytes arriving on the board's RX line, one character time apart, as on a real UART. */
  sendSerial(bytes: Uint8Array): void {
    for (const b of bytes) this.rx.push(b);
    this.feed();
  }

  private feed(): void {
    if (this.rx.length > 0 && !this.usart.rxBusy && this.usart.rxEnable) this.usart.writeByte(this.rx.shift()!);
  }

  /** Execute `cycles` CPU cycles. */
  run(cycles: number): void {
    const { cpu } = this;
    const end = cpu.cycles + cycles;
    if (this.rx.length > 0) this.feed();
    while (cpu.cycles < end) {
      avrInstruction(cpu);
      cpu.tick();
    }
  }

  private locate(pin: number): { port: AVRIOPort; bit: number } {
    const entry = pin >= 14 ? this.ports[2] : pin >= 8 ? this.ports[1] : this.ports[0];
    if (!entry || pin < 0 || pin > 19) throw new Error(`no pin ${pin} on an Uno`);
    return { port: entry.port, bit: pin - entry.first };
  }

  /** 1 or 0 for an output pin, undefined for an input. */
  level(pin: number): 0 | 1 | undefined {
    const { port, bit } = this.locate(pin);
    const state = port.pinState(bit);
    return state === PinState.High ? 1 : state === PinState.Low ? 0 : undefined;
  }

  /** PWM duty 0-255 as the pin drives it: the compare register while PWM output is on, else 0/255 from the level. */
  duty(pin: number): number {
    const t = pwm[pin];
    if (t && this.cpu.data[t.tccr]! & t.com) return this.cpu.data[t.ocr]!;
    return this.level(pin) === 1 ? 255 : 0;
  }

  /**
   * The servo pulse width in microseconds on a pin, when it carries a servo signal: a 0.4-2.6 ms high pulse
   * within the last 40 ms, repeating at servo frame rate (PWM repeats every 1-2 ms), not from PWM hardware.
   */
  servoPulse(pin: number): number | undefined {
    const pulse = this.pulses.get(pin);
    if (!pulse || this.cpu.cycles - pulse.end > CLOCK_HZ * 0.04) return undefined;
    if ((this.period.get(pin) ?? 0) < CLOCK_HZ * 0.008) return undefined;
    const t = pwm[pin];
    if (t && this.cpu.data[t.tccr]! & t.com) return undefined;
    return pulse.width >= 400 && pulse.width <= 2600 ? pulse.width : undefined;
  }

  /** Voltage on analog input A0-A5. */
  setAnalog(channel: number, volts: number): void {
    this.adc.channelValues[channel] = volts;
  }
}
