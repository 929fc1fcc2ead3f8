import type { LoadOptions, LoadResult } from './load.js';

/** One driven target (the gateway, the baseline, ...) and what it cost. */
export interface Run extends LoadResult {
  /** Short label used in the tables: `gateway`, `baseline`. */
  target: string;
  /** CPU of the serving processes (load generator excluded) per response, in ms. */
  serverCpuMsPerRequest: number;
  /** How busy the whole machine was during the run, % of all cores: below 100 the run was not CPU-bound. */
  machineBusyPct: number;
  /** Interrupt time during the run, all cores, ms: mostly the loopback traffic of the run itself. */
  irqCpuMs: number;
  /** CPU the machine spent on processes other than the watched ones during the run (other users), ms. */
  otherCpuMs: number;
  processes: ProcessFigures[];
}

export interface ProcessFigures {
  name: string;
  pid: number;
  /** The load generator, i.e. this process: reported, but not part of the system under test. */
  loadGenerator: boolean;
  /** Largest RSS sampled during the measured run, MB. */
  peakRssMb: number;
  /** VmHWM at the end of the run: the process's lifetime peak, MB. */
  hwmMb: number;
  /** CPU time used during the measured run (warm-up excluded), ms. */
  cpuMs: number;
  cpuMsPerRequest: number;
  /** cpuMs over the run's wall time: 100 is one core busy all along (Node's main thread tops out there). */
  cpuPctOfCore: number;
}

/** A target figure compared with its goal. A miss is reported, never an exit code. */
export interface Check {
  name: string;
  value: string;
  goal: string;
  pass: boolean;
}

export interface SuiteResult {
  suite: string;
  runs: Run[];
  checks: Check[];
  /** One-line remarks printed under the title: what the targets do differently, say. */
  notes?: string[];
  /** Failures that make the benchmark meaningless (wrong answers, non-2xx, errors): exit non-zero. */
  errors: string[];
  /** The title's description in place of the load options (a suite that drives its own load). */
  title?: string;
  /** Tables of the suite's own, printed under the title, for figures that are not `runs`. */
  sections?: string[];
  /** Those figures, for the JSON line. */
  figures?: unknown;
}

export interface SuiteContext {
  load: LoadOptions;
  /** Progress for the person waiting (stderr); the report itself is main's to print. */
  progress(message: string): void;
}

export interface Suite {
  name: string;
  /** Throws on anything that makes its figures meaningless (a server that does not start, a wrong answer). */
  run(context: SuiteContext): Promise<SuiteResult>;
}
