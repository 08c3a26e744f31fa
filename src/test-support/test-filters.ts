/** Small filters for graph and ticker tests. */
import { Filter, type TickContext } from '../core/filter.js';
import { makeAudioFrame, type AudioFrame, type Frame } from '../core/frames.js';

/** Emits one 10 ms mono 8 kHz frame per tick whose first sample is the tick number. */
export class CounterSource extends Filter {
  readonly type = 'test-counter-source';
  count = 0;
  constructor(name?: string) {
    super({ inputs: 0, outputs: 1, name });
  }
  process(ctx: TickContext): void {
    const s = new Int16Array(80);
    s[0] = ctx.tick;
    this.push(0, makeAudioFrame(s, 8000, 1, ctx.tick * 80));
    this.count++;
  }
}

/** Collects every frame it gets, with the tick it got it in. */
export class Collector extends Filter {
  readonly type = 'test-collector';
  readonly frames: { frame: Frame; tick: number }[] = [];
  constructor(name?: string, inputs = 1) {
    super({ inputs, outputs: 0, name });
  }
  process(ctx: TickContext): void {
    for (let pin = 0; pin < this.inputCount; pin++) {
      let f: Frame | undefined;
      while ((f = this.pull(pin))) this.frames.push({ frame: f, tick: ctx.tick });
    }
  }
  firstSamples(): number[] {
    return this.frames.map((x) => (x.frame as AudioFrame).samples[0]!);
  }
}

/** Adds `delta` to the first sample; records the order it ran in. */
export class Adder extends Filter {
  readonly type = 'test-adder';
  constructor(
    private readonly delta: number,
    private readonly log?: string[],
    name?: string,
  ) {
    super({ inputs: 1, outputs: 1, name });
  }
  process(): void {
    this.log?.push(this.name);
    let f: Frame | undefined;
    while ((f = this.pull(0))) {
      const a = f as AudioFrame;
      a.samples[0] = a.samples[0]! + this.delta;
      this.push(0, a);
    }
  }
}

/** N inputs → 1 output: sums the first samples of one frame from each input (waits for all). */
export class Summer extends Filter {
  readonly type = 'test-summer';
  constructor(inputs: number, name?: string) {
    super({ inputs, outputs: 1, name });
  }
  process(): void {
    while (this.inputs.every((q) => q === null || q.length > 0)) {
      let sum = 0;
      let ts = 0;
      for (let pin = 0; pin < this.inputCount; pin++) {
        const f = this.pull(pin) as AudioFrame | undefined;
        if (f) {
          sum += f.samples[0]!;
          ts = f.timestamp;
        }
      }
      const out = new Int16Array(80);
      out[0] = sum;
      this.push(0, makeAudioFrame(out, 8000, 1, ts));
    }
  }
}

/** 1 input → N outputs, copies (a tee for tests). */
export class Splitter extends Filter {
  readonly type = 'test-splitter';
  constructor(outputs: number, name?: string) {
    super({ inputs: 1, outputs, name });
  }
  process(): void {
    let f: Frame | undefined;
    while ((f = this.pull(0))) {
      const a = f as AudioFrame;
      for (let pin = 0; pin < this.outputCount; pin++) this.push(pin, makeAudioFrame(a.samples.slice(), a.sampleRate, a.channels, a.timestamp));
    }
  }
}

/** Throws on every frame whose first sample is in `bad`; passes the others. */
export class Thrower extends Filter {
  readonly type = 'test-thrower';
  constructor(private readonly bad: Set<number>) {
    super({ inputs: 1, outputs: 1 });
  }
  process(): void {
    let f: Frame | undefined;
    while ((f = this.pull(0))) {
      const a = f as AudioFrame;
      if (this.bad.has(a.samples[0]!)) throw new Error(`bad frame ${a.samples[0]}`);
      this.push(0, a);
    }
  }
}
