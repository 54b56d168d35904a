/**
 * Neo4j on demand. When NEO4J_URI is unset, permgraph runs Neo4j Community itself:
 *  - through testcontainers where a Docker engine answers;
 *  - otherwise from Maven Central on Java 17+: Maven resolves org.neo4j:neo4j into a cache
 *    outside the repository and we run Neo4j's own server entry point with the Bolt connector
 *    on 127.0.0.1 only, its data directory under the project's data folder.
 * Start is idempotent and returns once Bolt answers; a second start reuses the instance.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import neo4j from 'neo4j-driver';
import { AppError, errorMessage } from '../errors.js';
import type { LocalNeo4jConfig } from './config.js';

const execFileAsync = promisify(execFile);

export interface LocalInstanceState {
  mode: 'java' | 'docker';
  uri: string;
  user: string;
  password: string;
  port: number;
  pid?: number;
  containerId?: string;
  containerName?: string;
  version: string;
  startedAt: string;
  startMs?: number;
}

export interface InstanceStatus {
  running: boolean;
  state: LocalInstanceState | null;
  dataDir: string;
}

type Log = (message: string) => void;
const silent: Log = () => {};

function stateFile(cfg: LocalNeo4jConfig): string {
  return path.join(cfg.dataDir, 'run', 'state.json');
}
function passwordFile(cfg: LocalNeo4jConfig): string {
  return path.join(cfg.dataDir, 'run', 'password');
}

export function readState(cfg: LocalNeo4jConfig): LocalInstanceState | null {
  try {
    return JSON.parse(readFileSync(stateFile(cfg), 'utf8')) as LocalInstanceState;
  } catch {
    return null;
  }
}

function writeState(cfg: LocalNeo4jConfig, state: LocalInstanceState): void {
  mkdirSync(path.dirname(stateFile(cfg)), { recursive: true });
  writeFileSync(stateFile(cfg), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when pid is a Neo4j we started for this instance directory (guards against pid reuse). */
function isOurJava(pid: number, cfg: LocalNeo4jConfig): boolean {
  if (!processAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('CommunityEntryPoint') && cmdline.includes(cfg.dataDir);
  } catch {
    return process.platform !== 'linux';
  }
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Does Bolt answer with these credentials? */
export async function boltAnswers(
  uri: string,
  user: string,
  password: string,
  timeoutMs = 5000,
): Promise<boolean> {
  const driver = neo4j.driver(uri, neo4j.auth.basic(user, password), {
    connectionTimeout: timeoutMs,
    maxConnectionPoolSize: 1,
    logging: { level: 'error', logger: () => {} },
  });
  try {
    await driver.verifyConnectivity();
    return true;
  } catch {
    return false;
  } finally {
    await driver.close();
  }
}

export async function status(cfg: LocalNeo4jConfig): Promise<InstanceStatus> {
  const state = readState(cfg);
  if (!state) return { running: false, state: null, dataDir: cfg.dataDir };
  if (state.mode === 'java' && state.pid !== undefined && !isOurJava(state.pid, cfg)) {
    return { running: false, state, dataDir: cfg.dataDir };
  }
  const running = await boltAnswers(state.uri, state.user, state.password);
  return { running, state, dataDir: cfg.dataDir };
}

// ------------------------------------------------------------------ lock

async function withStartLock<T>(cfg: LocalNeo4jConfig, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(cfg.dataDir, 'run', 'start.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (!Number.isInteger(holder) || holder <= 0 || !processAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new AppError(
          'NEO4J_PROVISION_FAILED',
          `Another permgraph process (pid ${holder}) holds ${lock}`,
        );
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ start / stop

export interface StartOptions {
  log?: Log;
  /** Force a mode (tests); otherwise cfg.mode (auto picks Docker when an engine answers). */
  mode?: 'java' | 'docker';
}

export async function start(cfg: LocalNeo4jConfig, opts: StartOptions = {}): Promise<LocalInstanceState> {
  const log = opts.log ?? silent;
  return withStartLock(cfg, async () => {
    const current = await status(cfg);
    if (current.running && current.state) {
      log(`Neo4j already running on ${current.state.uri} (${current.state.mode})`);
      return current.state;
    }
    if (
      current.state?.mode === 'java' &&
      current.state.pid !== undefined &&
      isOurJava(current.state.pid, cfg)
    ) {
      // Process alive but Bolt not answering yet (still starting, or wedged): wait for it briefly.
      if (await waitForBolt(current.state, 60_000, () => isOurJava(current.state!.pid!, cfg)))
        return current.state;
      await killPid(current.state.pid, 30_000);
    }
    const mode =
      opts.mode ?? (cfg.mode === 'auto' ? ((await dockerAnswers()) ? 'docker' : 'java') : cfg.mode);
    if (await portOpen(cfg.port)) {
      throw new AppError(
        'NEO4J_PROVISION_FAILED',
        `Port ${cfg.port} on 127.0.0.1 is in use by another program. Choose another with --port ` +
          'or PERMGRAPH_NEO4J_PORT, or point NEO4J_URI at that Neo4j.',
      );
    }
    const t0 = Date.now();
    const state = mode === 'docker' ? await startDocker(cfg, log) : await startJava(cfg, log);
    state.startMs = Date.now() - t0;
    writeState(cfg, state);
    log(`Neo4j ${cfg.version} answered on ${state.uri} after ${(state.startMs / 1000).toFixed(1)} s`);
    return state;
  });
}

export async function stop(cfg: LocalNeo4jConfig, opts: { log?: Log } = {}): Promise<boolean> {
  const log = opts.log ?? silent;
  const state = readState(cfg);
  if (!state) return false;
  let stopped = false;
  if (state.mode === 'java' && state.pid !== undefined && isOurJava(state.pid, cfg)) {
    log(`Stopping Neo4j (pid ${state.pid})`);
    await killPid(state.pid, 120_000);
    stopped = true;
  } else if (state.mode === 'docker' && state.containerName) {
    log(`Stopping container ${state.containerName}`);
    await execFileAsync('docker', ['rm', '-f', state.containerName]).catch(() => undefined);
    stopped = true;
  }
  rmSync(stateFile(cfg), { force: true });
  return stopped;
}

/** SIGTERM, wait, then SIGKILL. */
async function killPid(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return;
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  while (processAlive(pid)) await sleep(100);
}

async function waitForBolt(
  state: LocalInstanceState,
  timeoutMs: number,
  alive: () => boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) return false;
    if ((await portOpen(state.port)) && (await boltAnswers(state.uri, state.user, state.password, 3000)))
      return true;
    await sleep(250);
  }
  return false;
}

function instancePassword(cfg: LocalNeo4jConfig): { password: string; fresh: boolean } {
  const file = passwordFile(cfg);
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), fresh: false };
  const password = randomBytes(18).toString('base64url');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, password, { mode: 0o600 });
  return { password, fresh: true };
}

// ------------------------------------------------------------------ Java + Maven

async function requireCommand(cmd: string, args: string[], what: string): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, { timeout: 60_000 });
    return `${stdout}${stderr}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError(
        'NEO4J_PROVISION_FAILED',
        `No Neo4j available: NEO4J_URI is unset, no Docker engine answers, and ${what} was not found. ` +
          'Install Java 17+ and Maven (Debian: apt-get install openjdk-17-jre-headless maven), ' +
          'or start Docker, or set NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD to an existing Neo4j.',
      );
    }
    throw err;
  }
}

export async function javaMajorVersion(): Promise<number> {
  const out = await requireCommand('java', ['-version'], 'java');
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  if (!m)
    throw new AppError('NEO4J_PROVISION_FAILED', `Cannot read the Java version from: ${out.slice(0, 200)}`);
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

/** Resolves Neo4j Community from Maven Central into the cache; returns the class path. */
export async function neo4jClasspath(cfg: LocalNeo4jConfig, log: Log = silent): Promise<string> {
  const dir = path.join(cfg.cacheDir, `neo4j-${cfg.version}`);
  const cpFile = path.join(dir, 'classpath.txt');
  if (existsSync(cpFile)) {
    const cp = readFileSync(cpFile, 'utf8').trim();
    if (cp?.split(path.delimiter).every((jar) => existsSync(jar))) return cp;
  }
  await requireCommand('mvn', ['-v'], 'Maven (mvn)');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.permgraph</groupId>
  <artifactId>neo4j-runtime</artifactId>
  <version>${cfg.version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>${cfg.version}</version></dependency>
  </dependencies>
</project>
`,
  );
  log(`Resolving Neo4j Community ${cfg.version} from Maven Central (first run only)...`);
  try {
    await execFileAsync('mvn', ['-q', '-B', 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`], {
      cwd: dir,
      timeout: 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').filter(Boolean).slice(-15).join('\n');
    throw new AppError(
      'NEO4J_PROVISION_FAILED',
      `Maven could not resolve org.neo4j:neo4j:${cfg.version} from Maven Central:\n${detail || errorMessage(err)}`,
    );
  }
  return readFileSync(cpFile, 'utf8').trim();
}

function neo4jConf(cfg: LocalNeo4jConfig): string {
  const d = (sub: string) => path.join(cfg.dataDir, sub);
  return [
    '# Written by permgraph; edit PERMGRAPH_NEO4J_* instead.',
    'server.default_listen_address=127.0.0.1',
    'server.default_advertised_address=127.0.0.1',
    'server.bolt.enabled=true',
    `server.bolt.listen_address=127.0.0.1:${cfg.port}`,
    `server.bolt.advertised_address=127.0.0.1:${cfg.port}`,
    'server.http.enabled=false',
    'server.https.enabled=false',
    'dbms.security.auth_enabled=true',
    `server.directories.data=${d('data')}`,
    `server.directories.logs=${d('logs')}`,
    `server.directories.run=${d('run')}`,
    `server.directories.import=${d('import')}`,
    `server.directories.plugins=${d('plugins')}`,
    `server.directories.transaction.logs.root=${d('data/transactions')}`,
    // The default keeps two days of transaction logs: on L a derive pass alone writes ~18 GB of
    // them. The graph is rebuilt from the clouds, not restored from logs: keep about 1 GB.
    'db.tx_log.rotation.retention_policy=1G size',
    `server.memory.pagecache.size=${cfg.pageCache}`,
    `dbms.memory.transaction.total.max=${cfg.txMemoryMax}`,
    'db.transaction.timeout=0',
    'dbms.usage_report.enabled=false',
    'db.logs.query.enabled=OFF',
    'server.logs.gc.enabled=false',
    '',
  ].join('\n');
}

const JVM_FLAGS = [
  '-XX:+UseG1GC',
  '-XX:-OmitStackTraceInFastThrow',
  '-XX:+DisableExplicitGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djdk.nio.maxCachedBufferSize=1024',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dlog4j2.disable.jmx=true',
  '-Dfile.encoding=UTF-8',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--enable-native-access=ALL-UNNAMED',
];

async function startJava(cfg: LocalNeo4jConfig, log: Log): Promise<LocalInstanceState> {
  const major = await javaMajorVersion();
  if (major < 17) {
    throw new AppError(
      'NEO4J_PROVISION_FAILED',
      `Neo4j ${cfg.version} needs Java 17 or newer; found Java ${major}.`,
    );
  }
  const cp = await neo4jClasspath(cfg, log);
  for (const sub of ['conf', 'data', 'logs', 'run', 'import', 'plugins'])
    mkdirSync(path.join(cfg.dataDir, sub), { recursive: true });
  writeFileSync(path.join(cfg.dataDir, 'conf', 'neo4j.conf'), neo4jConf(cfg));
  const env = { ...process.env, NEO4J_HOME: cfg.dataDir, NEO4J_CONF: path.join(cfg.dataDir, 'conf') };

  const { password, fresh } = instancePassword(cfg);
  if (fresh || !existsSync(path.join(cfg.dataDir, 'data', 'dbms', 'auth.ini'))) {
    if (existsSync(path.join(cfg.dataDir, 'data', 'databases'))) {
      // A store exists without our password file: we cannot log in to it.
      throw new AppError(
        'NEO4J_PROVISION_FAILED',
        `${cfg.dataDir} holds a Neo4j store whose password permgraph does not know. ` +
          'Remove that directory (permgraph reset cannot reach it) or use another --data-dir.',
      );
    }
    await execFileAsync(
      'java',
      ['-cp', cp, 'org.neo4j.cli.AdminTool', 'dbms', 'set-initial-password', password],
      {
        env,
        timeout: 120_000,
      },
    ).catch((err) => {
      throw new AppError(
        'NEO4J_PROVISION_FAILED',
        `Setting the initial Neo4j password failed: ${errorMessage(err)}`,
      );
    });
  }

  log(`Starting Neo4j ${cfg.version} (Java ${major}) on 127.0.0.1:${cfg.port}, data in ${cfg.dataDir}`);
  const consoleLog = path.join(cfg.dataDir, 'logs', 'console.log');
  const out = openSync(consoleLog, 'a');
  const child = spawn(
    'java',
    [
      `-Xms${cfg.heap}`,
      `-Xmx${cfg.heap}`,
      ...JVM_FLAGS,
      '-cp',
      cp,
      'org.neo4j.server.CommunityEntryPoint',
      `--home-dir=${cfg.dataDir}`,
      `--config-dir=${path.join(cfg.dataDir, 'conf')}`,
    ],
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new AppError('NEO4J_PROVISION_FAILED', 'Could not spawn java');
  const state: LocalInstanceState = {
    mode: 'java',
    uri: `bolt://127.0.0.1:${cfg.port}`,
    user: 'neo4j',
    password,
    port: cfg.port,
    pid,
    version: cfg.version,
    startedAt: new Date().toISOString(),
  };
  writeState(cfg, state);
  const ok = await waitForBolt(state, 180_000, () => processAlive(pid));
  if (!ok) {
    if (processAlive(pid)) await killPid(pid, 10_000);
    rmSync(stateFile(cfg), { force: true });
    throw new AppError(
      'NEO4J_PROVISION_FAILED',
      `Neo4j did not answer on 127.0.0.1:${cfg.port}. Last log lines:\n${tail(consoleLog)}\n${tail(path.join(cfg.dataDir, 'logs', 'neo4j.log'))}`,
    );
  }
  return state;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ------------------------------------------------------------------ Docker (testcontainers)

export async function dockerAnswers(): Promise<boolean> {
  try {
    await execFileAsync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function startDocker(cfg: LocalNeo4jConfig, log: Log): Promise<LocalInstanceState> {
  // testcontainers is optional: it is only needed where a Docker engine answers.
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
  } catch {
    throw new AppError(
      'NEO4J_PROVISION_FAILED',
      'A Docker engine answers but the testcontainers package is not installed (npm install testcontainers@11).',
    );
  }
  // A started instance must outlive this process: no reaper, a fixed name, reuse on restart.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { password } = instancePassword(cfg);
  const name = `permgraph-neo4j-${cfg.port}`;
  const major = cfg.version.split('.').slice(0, 2).join('.');
  mkdirSync(path.join(cfg.dataDir, 'data'), { recursive: true });
  log(`Starting neo4j:${major}-community in Docker as ${name}`);
  const container = await new tc.GenericContainer(`neo4j:${major}-community`)
    .withName(name)
    .withReuse()
    .withEnvironment({
      NEO4J_AUTH: `neo4j/${password}`,
      NEO4J_server_memory_heap_max__size: cfg.heap,
      NEO4J_server_memory_pagecache_size: cfg.pageCache,
      NEO4J_dbms_usage__report_enabled: 'false',
    })
    .withExposedPorts({ container: 7687, host: cfg.port })
    .withBindMounts([{ source: path.join(cfg.dataDir, 'data'), target: '/data' }])
    .withWaitStrategy(tc.Wait.forLogMessage(/Started\./))
    .withStartupTimeout(180_000)
    .start();
  return {
    mode: 'docker',
    uri: `bolt://127.0.0.1:${cfg.port}`,
    user: 'neo4j',
    password,
    port: cfg.port,
    containerId: container.getId(),
    containerName: name,
    version: cfg.version,
    startedAt: new Date().toISOString(),
  };
}
