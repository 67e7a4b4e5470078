/**
 * `npm run kafka -- start|stop|status [--name NAME] [--profile test|bench]`: a real Apache Kafka
 * broker (KRaft, broker and controller in one JVM) for tests, benchmarks and CI, from the official
 * jars that `kafka/pom.xml` fetches into kafka/libs/ (Maven caches them in ~/.m2). DESIGN.md
 * ("Runtime modes and real components") has the settings checked on this machine.
 *
 * `start` prints the bootstrap address (`127.0.0.1:PORT`) on stdout and nothing else there; a broker
 * of that name already running is reused. Each broker lives under .kafka/NAME/ (git-ignored):
 * server.properties, log4j2.properties, data/, broker.log, broker.json (pid, ports). `stop` ends it
 * by its pid, after checking the pid still runs this broker's java, and removes the directory.
 * Defaults: name "default", profile "test" (small heap, serial GC, 2 network and I/O threads).
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const POM = join(ROOT, "kafka", "pom.xml");
const LIBS = join(ROOT, "kafka", "libs");
const STATE = join(ROOT, ".kafka");
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
/** The log line the broker writes once it accepts clients (kafka.server.KafkaRaftServer). */
const STARTED = "Kafka Server started";

export type BrokerProfile = "test" | "bench";

const JVM_FLAGS: Record<BrokerProfile, string[]> = {
  // Passed the whole suite with 128 MiB once the log cleaner's dedupe buffer is small (DESIGN.md).
  test: ["-Xms64m", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError"],
  bench: ["-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError"],
};

export interface BrokerInfo {
  name: string;
  pid: number;
  port: number;
  controllerPort: number;
  bootstrap: string;
  profile: BrokerProfile;
  dir: string;
  /** Milliseconds from spawning java to the started line and a TCP connect (0 when reused). */
  startMs: number;
}

export interface StartOptions {
  name?: string;
  profile?: BrokerProfile;
  /** Where progress goes (stderr in the CLI); nothing by default. */
  log?: (line: string) => void;
}

const dirOf = (name: string) => join(STATE, name);
const infoFile = (name: string) => join(dirOf(name), "broker.json");

/** Fetches the jars once per pom: a marker holds the pom's hash, so an edited pom fetches again. */
export function ensureLibs(log: (line: string) => void = () => {}): void {
  const hash = createHash("sha256").update(readFileSync(POM)).digest("hex");
  const marker = join(LIBS, ".pom-sha256");
  if (existsSync(marker) && readFileSync(marker, "utf8") === hash) return;
  log("fetching the Kafka jars with Maven (kafka/pom.xml)…");
  execFileSync("mvn", ["-q", "-B", "-f", POM, "dependency:copy-dependencies", `-DoutputDirectory=${LIBS}`], {
    stdio: ["ignore", 2, 2],
  });
  writeFileSync(marker, hash);
}

/** Whether the pid still runs the java of the broker in `dir` (a pid can be reused after a crash). */
function runsBroker(pid: number, dir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("kafka.Kafka") && cmdline.includes(join(dir, "server.properties"));
  } catch {
    return false;
  }
}

export function brokerStatus(name = "default"): BrokerInfo | undefined {
  if (!existsSync(infoFile(name))) return undefined;
  const info = JSON.parse(readFileSync(infoFile(name), "utf8")) as BrokerInfo;
  return runsBroker(info.pid, info.dir) ? { ...info, startMs: 0 } : undefined;
}

/** A port nobody listens on, below 32768: the range above is the kernel's for outgoing connections. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** A cluster id as Kafka's `Uuid.randomUuid()` makes it: 16 random bytes, base64url, not starting "-". */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return `${[
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    `log.dirs=${join(dir, "data")}`,
    "num.partitions=1",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=4",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "num.network.threads=2",
    "num.io.threads=2",
    // The default 128 MiB buffer does not fit the test heap.
    "log.cleaner.dedupe.buffer.size=16777216",
    "auto.create.topics.enable=false",
  ].join("\n")}\n`;
}

const LOG4J = `${[
  "status = warn",
  "appender.out.type = Console",
  "appender.out.name = OUT",
  "appender.out.layout.type = PatternLayout",
  "appender.out.layout.pattern = [%d] %p %m (%c)%n",
  "rootLogger.level = warn",
  "rootLogger.appenderRef.out.ref = OUT",
  // The started line, and the broker's own lifecycle, are logged here at INFO.
  "logger.raft.name = kafka.server.KafkaRaftServer",
  "logger.raft.level = info",
].join("\n")}\n`;

const java = (dir: string, flags: string[], args: string[]) => [
  ...flags,
  `-Dlog4j2.configurationFile=${join(dir, "log4j2.properties")}`,
  "-cp",
  `${LIBS}/*`,
  ...args,
];

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function launch(name: string, profile: BrokerProfile): Promise<BrokerInfo | "port-taken"> {
  const dir = dirOf(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const config = join(dir, "server.properties");
  writeFileSync(config, serverProperties(dir, port, controllerPort));
  writeFileSync(join(dir, "log4j2.properties"), LOG4J);
  execFileSync(
    "java",
    java(dir, JVM_FLAGS.test, [
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId(),
      "-c",
      config,
      "--standalone",
    ]),
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const logFile = join(dir, "broker.log");
  const out = openSync(logFile, "a");
  const began = Date.now();
  const child = spawn("java", java(dir, JVM_FLAGS[profile], ["kafka.Kafka", config]), {
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  const pid = child.pid as number;
  while (Date.now() - began < START_TIMEOUT_MS) {
    await sleep(100);
    const log = readFileSync(logFile, "utf8");
    if (!alive(pid)) {
      if (log.includes("Address already in use")) return "port-taken";
      throw new Error(`the Kafka broker exited during start; last log lines:\n${log.slice(-3000)}`);
    }
    if (log.includes(STARTED) && (await connects(port))) {
      const info: BrokerInfo = {
        name,
        pid,
        port,
        controllerPort,
        bootstrap: `127.0.0.1:${port}`,
        profile,
        dir,
        startMs: Date.now() - began,
      };
      writeFileSync(infoFile(name), `${JSON.stringify(info, null, 2)}\n`);
      return info;
    }
  }
  process.kill(pid, "SIGKILL");
  throw new Error(`the Kafka broker did not start within ${START_TIMEOUT_MS / 1000} s; see ${logFile}`);
}

/** Starts (or finds running) the broker of this name and returns where it listens. */
export async function startBroker(options: StartOptions = {}): Promise<BrokerInfo> {
  const { name = "default", profile = "test", log = () => {} } = options;
  const running = brokerStatus(name);
  if (running) return running;
  ensureLibs(log);
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await launch(name, profile);
    if (started !== "port-taken") return started;
    log("a port was taken between choosing and binding it; trying other ports");
  }
  throw new Error("the Kafka broker could not bind a free port in 3 attempts");
}

/** Stops the broker by its pid (SIGTERM, then SIGKILL after 30 s) and removes its directory. */
export async function stopBroker(name = "default"): Promise<boolean> {
  const info = brokerStatus(name);
  if (info) {
    process.kill(info.pid, "SIGTERM");
    const began = Date.now();
    while (alive(info.pid) && Date.now() - began < STOP_TIMEOUT_MS) await sleep(100);
    if (alive(info.pid)) process.kill(info.pid, "SIGKILL");
  }
  rmSync(dirOf(name), { recursive: true, force: true });
  return info !== undefined;
}

async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flag = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const name = flag("name") ?? "default";
  const profile = flag("profile") ?? "test";
  if (profile !== "test" && profile !== "bench") {
    process.stderr.write(`kafka: --profile must be test or bench, not ${profile}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`kafka: ${line}\n`);
  switch (command) {
    case "start": {
      const info = await startBroker({ name, profile, log });
      if (info.startMs) log(`started pid ${info.pid} in ${(info.startMs / 1000).toFixed(1)} s`);
      process.stdout.write(`${info.bootstrap}\n`);
      return 0;
    }
    case "stop":
      log((await stopBroker(name)) ? "stopped" : "was not running");
      return 0;
    case "status": {
      const info = brokerStatus(name);
      if (!info) {
        log("not running");
        return 1;
      }
      process.stdout.write(`${info.bootstrap}\n`);
      return 0;
    }
    default:
      process.stderr.write(
        "usage: npm run kafka -- start|stop|status [--name NAME] [--profile test|bench]\n",
      );
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`kafka: ${error.message}\n`);
      process.exit(1);
    },
  );
}
