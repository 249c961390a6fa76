// Checks the rendered Kubernetes manifests of deploy/k8s offline (run by k8s_manifest_test.sh,
// which renders them with `kubectl kustomize`).
//
// 1. Schema: every object is validated against the Kubernetes OpenAPI schema bundled in the npm
//    package kubernetes-models (tools/node_modules; ajv validators generated from Kubernetes'
//    own OpenAPI document): types, formats, enums, required fields. Those validators let unknown
//    fields through (the schemas have no additionalProperties: false), so a strict pass is added:
//    the object is validated through a Proxy that records every property the validator reads;
//    a property it never read is not in the schema (a misspelling, a field at the wrong level).
//    Maps (labels, ConfigMap data, resource lists) are enumerated by the validator and so known.
// 2. Properties the deployment relies on: gRPC probes on the plaintext health port, the
//    security context, resources, images, grace period against --shutdown_grace, headless
//    Services, autoscalers and disruption budgets, the catalog ConfigMap equal to
//    assets/catalog, every mounted Secret/ConfigMap and every file flag accounted for, the
//    planner's and the session's PostgreSQL URL from the Secret yoga-database as a file (and enough
//    connections for every pod), the example tree's one-pod PostgreSQL.
// 3. The checks themselves: broken copies of real objects (a misspelled field, a wrong type, a
//    bad enum value, a missing required field, a missing security setting) must be rejected.
//
// Usage: node k8s_manifest_test.js --tools=DIR --repo=DIR --base=FILE --example=FILE
//            [--bin_dir=DIR]   also: every flag in the manifests is one the program accepts
//            [--buf=BUF]       with --bin_dir: also the smoke run at the end of this file
// Prints one line per check and a closing "N passed, N failed"; exits 1 on any failure.
"use strict";

const fs = require("fs");
const path = require("path");
const childProcess = require("child_process");
const crypto = require("crypto");
const { createRequire } = require("module");

const args = {};
for (const arg of process.argv.slice(2)) {
  const m = /^--([a-z_]+)=(.*)$/.exec(arg);
  if (!m) {
    console.error(`unknown argument ${arg}`);
    process.exit(2);
  }
  args[m[1]] = m[2];
}
for (const required of ["tools", "repo", "base", "example"]) {
  if (!args[required]) {
    console.error(`--${required} is required`);
    process.exit(2);
  }
}

const toolsRequire = createRequire(path.join(path.resolve(args.tools), "package.json"));
let YAML;
try {
  YAML = toolsRequire("yaml");
  toolsRequire("kubernetes-models/package.json");
} catch (e) {
  console.error(
    `the validator is not installed in ${args.tools}/node_modules (${e.message.split("\n")[0]}):\n` +
      "  (cd tools && npm install --no-save --no-audit --no-fund)"
  );
  process.exit(1);
}
const modelsVersion = toolsRequire("kubernetes-models/package.json").version;

// ---------------------------------------------------------------------------------------------
// Reporting

let passed = 0;
let failed = 0;
function check(name, fn) {
  let problems;
  try {
    problems = fn() || [];
  } catch (e) {
    problems = [`threw: ${e.stack || e}`];
  }
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}`);
    for (const p of problems) console.log(`       ${p}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Schema validation

// The model class for an apiVersion/kind, from kubernetes-models ("v1" is the core group).
function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  let module;
  try {
    module = toolsRequire(`kubernetes-models/${apiVersion}`);
  } catch (e) {
    return null;
  }
  const model = module[kind];
  return typeof model === "function" && model.kind === kind && model.apiVersion === apiVersion
    ? model
    : null;
}

// Problems of one object: schema errors, then fields the schema does not know.
function schemaProblems(object) {
  const name = `${object && object.kind}/${object && object.metadata && object.metadata.name}`;
  const model = modelFor(object && object.apiVersion, object && object.kind);
  if (!model) return [`${name}: no Kubernetes schema for apiVersion ${object && object.apiVersion} kind ${object && object.kind}`];

  const read = new WeakMap(); // object -> Set of property names the validator read
  const enumerated = new WeakSet(); // objects whose keys the validator listed (maps)
  const proxies = new WeakMap();
  const wrap = (value) => {
    if (value === null || typeof value !== "object") return value;
    if (proxies.has(value)) return proxies.get(value);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") {
          if (!read.has(target)) read.set(target, new Set());
          read.get(target).add(key);
        }
        return wrap(Reflect.get(target, key, receiver));
      },
      ownKeys(target) {
        enumerated.add(target);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };

  // kustomize writes Secret data as base64 wrapped at 70 columns; the API server decodes []byte
  // fields with Go's base64 decoder, which skips \r and \n. The schema's "byte" format does not.
  if (object.kind === "Secret" && object.apiVersion === "v1" && object.data && typeof object.data === "object") {
    object = { ...object, data: Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, typeof v === "string" ? v.replace(/[\r\n]/g, "") : v])) };
  }
  const problems = [];
  try {
    model.prototype.validate.call(wrap(object));
  } catch (e) {
    for (const part of String(e.message).split(", data")) {
      problems.push(`${name}: ${part.startsWith("data") ? part : "data" + part}`);
    }
  }
  const walk = (value, where) => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${where}/${i}`));
      return;
    }
    const known = read.get(value) || new Set();
    for (const key of Object.keys(value)) {
      if (!enumerated.has(value) && !known.has(key)) {
        problems.push(`${name}: unknown field ${where}/${key} (not in the ${object.apiVersion} ${object.kind} schema)`);
      } else {
        walk(value[key], `${where}/${key}`);
      }
    }
  };
  walk(object, "");
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Helpers for the property checks

function loadRender(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

const id = (o) => `${o.kind}/${o.metadata && o.metadata.name}`;
const ofKind = (objects, kind) => objects.filter((o) => o.kind === kind);
const deepCopy = (o) => JSON.parse(JSON.stringify(o));

// "--name=value" arguments as a map (flags given twice are reported by the caller).
function flagsOf(container) {
  const flags = new Map();
  const repeated = [];
  for (const arg of container.args || []) {
    const m = /^--([a-z0-9_]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      repeated.push(`argument ${JSON.stringify(arg)} is not --flag=value`);
      continue;
    }
    if (flags.has(m[1])) repeated.push(`--${m[1]} is given twice`);
    flags.set(m[1], m[2] === undefined ? "true" : m[2]);
  }
  return { flags, problems: repeated };
}

// Seconds of an absl duration flag ("20s", "1m30s", "500ms").
function durationSeconds(text) {
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|ns))+$/.test(text || "")) return NaN;
  const unit = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) total += Number(n) * unit[u];
  return total;
}

// A Kubernetes quantity in base units (cores, bytes).
function quantity(value) {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value));
  if (!m) return NaN;
  const scale = { undefined: 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * scale[m[2]];
}

const subset = (small, big) =>
  Object.entries(small || {}).every(([k, v]) => big && big[k] === v);
const sameMap = (a, b) => subset(a, b) && subset(b, a);

// What each service is: its program, port and gRPC service name.
// `database`: it keeps its data in PostgreSQL (the catalog has none).
const SERVICES = {
  "yoga-catalog": { program: "yoga-catalog", port: 50052, grpc: "yoga.catalog.v1.CatalogService", partner: false, database: false },
  "yoga-planner": { program: "yoga-planner", port: 50053, grpc: "yoga.planner.v1.PlannerService", partner: true, database: true },
  "yoga-session": { program: "yoga-session", port: 50054, grpc: "yoga.session.v1.SessionService", partner: true, database: true },
};
// The database URL: Secret yoga-database, key url, mounted as the file --database_file reads (a
// password in an argument or an env var would be readable in /proc).
const DATABASE = { secret: "yoga-database", key: "url", flag: "database_file", path: "/etc/yoga/database/url" };
const DATABASE_FLAGS = ["data_dir", "database", "database_file", "database_pool_size", "database_timeout"];
const DEFAULT_POOL_SIZE = 4; // --database_pool_size's default
// PostgreSQL's default max_connections (100) less superuser_reserved_connections (3).
const MAX_CONNECTIONS = 97;
// The Secret keys README.md tells the operator to create (name/key).
const OPERATOR_SECRET_KEYS = "yoga-api-keys/api_keys,yoga-database/url,yoga-peer-key/peer_api_key,yoga-tls/ca.crt,yoga-tls/tls.crt,yoga-tls/tls.key";
// The example tree's own objects (deploy/k8s/example/postgres.yaml): not yoga services.
const isExampleDatabase = (o) => ((o.metadata && o.metadata.labels) || {})["app.kubernetes.io/name"] === "yoga-postgres";
const HEALTH_PORT = 8081;
const IMAGE = "localhost/yoga:1.0.0";
const NAMESPACE = "yoga";
const COMMON_LABELS = { "app.kubernetes.io/part-of": "yoga", "app.kubernetes.io/managed-by": "kustomize" };
// Files the servers are given by flag, and what must be behind them.
const FILE_FLAGS = ["catalog_dir", "tls_cert", "tls_key", "tls_client_ca", "api_keys", "peer_api_key_file", "peer_tls_ca", "database_file"];
// Which peers each program calls (its flags of the same names).
const peersOf = { "yoga-catalog": [], "yoga-planner": ["catalog"], "yoga-session": ["catalog", "planner"] };

// The Secret or ConfigMap behind a path in a container, or a problem.
function sourceOfPath(pod, container, file) {
  const mount = (container.volumeMounts || [])
    .filter((m) => file === m.mountPath || file.startsWith(m.mountPath.replace(/\/?$/, "/")))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return { problem: `${file} is under no volumeMount` };
  const volume = (pod.volumes || []).find((v) => v.name === mount.name);
  if (!volume) return { problem: `volumeMount ${mount.name} has no volume` };
  const key = file === mount.mountPath ? null : file.slice(mount.mountPath.replace(/\/?$/, "/").length);
  if (volume.secret) return { kind: "Secret", name: volume.secret.secretName, key, mount };
  if (volume.configMap) return { kind: "ConfigMap", name: volume.configMap.name, key, mount };
  return { problem: `${file} is on volume ${volume.name}, neither a Secret nor a ConfigMap` };
}

// A container's env entries by name.
const envOf = (container) => new Map((container.env || []).map((e) => [e.name, e]));

// Kubernetes' expansion of $(VAR) in command and args: a variable the container defines is
// replaced, $$ is a literal $, anything else stays as written. `values` maps name -> value.
function expandVars(text, values) {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name) =>
    all === "$$" ? "$" : values.has(name) ? values.get(name) : all);
}
// The $(VAR) references in a string that Kubernetes would expand.
const varRefs = (text) => [...text.replace(/\$\$/g, "").matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]);

// Every Secret key a pod reads through its containers' env (name/key; key "*" for envFrom).
function envSecretRefs(pod) {
  const refs = [];
  for (const c of [...(pod.containers || []), ...(pod.initContainers || [])]) {
    for (const e of c.env || []) {
      const ref = e.valueFrom && e.valueFrom.secretKeyRef;
      if (ref) refs.push({ container: c.name, env: e.name, name: ref.name, key: ref.key, optional: ref.optional });
    }
    for (const from of c.envFrom || []) {
      if (from.secretRef) refs.push({ container: c.name, env: "*", name: from.secretRef.name, key: "*", optional: from.secretRef.optional });
    }
  }
  return refs;
}

// The effective value of a security setting: the container's, else the pod's.
function effective(pod, container, field) {
  const c = container.securityContext || {};
  const p = pod.securityContext || {};
  return c[field] !== undefined ? c[field] : p[field];
}

// Every property check on one rendered tree; `label` names it in the output.
function checkRender(label, objects, { secretsInRender }) {
  const deployments = ofKind(objects, "Deployment");
  const services = ofKind(objects, "Service").filter((o) => !isExampleDatabase(o));
  const hpas = ofKind(objects, "HorizontalPodAutoscaler");
  const pdbs = ofKind(objects, "PodDisruptionBudget");
  const configMaps = ofKind(objects, "ConfigMap");
  const secrets = ofKind(objects, "Secret");

  check(`${label}: ${objects.length} objects, each valid against the Kubernetes ${modelsVersion} schemas with no unknown field`, () =>
    objects.flatMap(schemaProblems)
  );

  check(`${label}: one namespace "${NAMESPACE}" (Pod Security "restricted"), every object in it with the common labels`, () => {
    const problems = [];
    const namespaces = ofKind(objects, "Namespace");
    if (namespaces.length !== 1 || namespaces[0].metadata.name !== NAMESPACE) problems.push(`Namespace objects: ${namespaces.map(id)}`);
    else if ((namespaces[0].metadata.labels || {})["pod-security.kubernetes.io/enforce"] !== "restricted") problems.push("the Namespace does not enforce the restricted Pod Security profile");
    for (const o of objects) {
      if (o.kind !== "Namespace" && o.metadata.namespace !== NAMESPACE) problems.push(`${id(o)} is in namespace ${o.metadata.namespace}`);
      if (!subset(COMMON_LABELS, o.metadata.labels)) problems.push(`${id(o)} lacks the labels ${JSON.stringify(COMMON_LABELS)}`);
      if (o.kind !== "Namespace" && !/^yoga-/.test(o.metadata.name)) problems.push(`${id(o)}: name does not start with yoga-`);
    }
    return problems;
  });

  check(`${label}: Deployments, headless Services and PodDisruptionBudgets for ${Object.keys(SERVICES).join(", ")}; autoscalers for the planner and the session`, () => {
    const problems = [];
    const names = (list) => list.map((o) => o.metadata.name).sort().join(",");
    const all = Object.keys(SERVICES).sort().join(",");
    if (names(deployments) !== all) problems.push(`Deployments: ${names(deployments)}`);
    if (names(services) !== all) problems.push(`Services: ${names(services)}`);
    if (names(pdbs) !== all) problems.push(`PodDisruptionBudgets: ${names(pdbs)}`);
    if (names(hpas) !== "yoga-planner,yoga-session") problems.push(`HorizontalPodAutoscalers: ${names(hpas)}`);
    return problems;
  });

  for (const d of deployments) {
    const name = d.metadata.name;
    const want = SERVICES[name];
    if (!want) continue;
    const pod = d.spec.template.spec;
    const containers = pod.containers || [];

    check(`${label}: ${name}: selector, labels, image, command`, () => {
      const problems = [];
      const selector = d.spec.selector.matchLabels;
      if (!sameMap(selector, { "app.kubernetes.io/name": name })) problems.push(`selector ${JSON.stringify(selector)} is not app.kubernetes.io/name=${name} alone`);
      if (!subset(selector, d.spec.template.metadata.labels)) problems.push("the pod template's labels do not match the selector");
      if (!subset(COMMON_LABELS, d.spec.template.metadata.labels)) problems.push("the pod template lacks the common labels");
      if (containers.length !== 1) problems.push(`${containers.length} containers, expected 1`);
      for (const c of [...containers, ...(pod.initContainers || [])]) {
        if (c.image !== IMAGE) problems.push(`container ${c.name}: image ${c.image}, expected ${IMAGE}`);
        if (c.imagePullPolicy !== "IfNotPresent") problems.push(`container ${c.name}: imagePullPolicy ${c.imagePullPolicy}, expected IfNotPresent`);
        if (JSON.stringify(c.command) !== JSON.stringify([`/usr/local/bin/${want.program}`])) problems.push(`container ${c.name}: command ${JSON.stringify(c.command)}`);
      }
      if (pod.automountServiceAccountToken !== false) problems.push("automountServiceAccountToken is not false (the servers never call the API)");
      return problems;
    });

    for (const c of containers) {
      const { flags, problems: flagProblems } = flagsOf(c);
      const grpcPort = (c.ports || []).find((p) => p.name === "grpc");
      const healthPort = (c.ports || []).find((p) => p.name === "health");

      check(`${label}: ${name}: flags (listen, health port, connection age, peers, TLS and keys)`, () => {
        const problems = [...flagProblems];
        const expect = (flag, value) => {
          if (flags.get(flag) !== value) problems.push(`--${flag}=${flags.get(flag)}, expected ${value}`);
        };
        expect("listen", `0.0.0.0:${want.port}`);
        expect("health_listen", `0.0.0.0:${HEALTH_PORT}`);
        expect("max_connection_age", "60s");
        if (!(durationSeconds(flags.get("shutdown_grace")) > 0)) problems.push(`--shutdown_grace=${flags.get("shutdown_grace")} is not a duration`);
        if (!grpcPort || grpcPort.containerPort !== want.port) problems.push(`container port "grpc" is not ${want.port}`);
        if (!healthPort || healthPort.containerPort !== HEALTH_PORT) problems.push(`container port "health" is not ${HEALTH_PORT}`);
        // TLS everywhere: partners reach the planner and the session over TLS, and a program's
        // peer channels share one --peer_tls_ca, so the catalog serves TLS too.
        for (const flag of ["tls_cert", "tls_key"]) if (!flags.has(flag)) problems.push(`--${flag} missing`);
        if (want.partner !== flags.has("api_keys")) problems.push(`--api_keys ${want.partner ? "missing on a partner-facing service" : "set on the internal catalog"}`);
        if (peersOf[name].length && !flags.has("peer_tls_ca")) problems.push("--peer_tls_ca missing: the peers serve TLS");
        // Peers: dns:/// targets (every pod, for round_robin) naming a Service of this tree.
        for (const peer of peersOf[name]) {
          const target = flags.get(peer);
          const m = /^dns:\/\/\/([a-z0-9-]+):(\d+)$/.exec(target || "");
          const service = m && services.find((s) => s.metadata.name === m[1]);
          if (!m) problems.push(`--${peer}=${target} is not dns:///NAME:PORT`);
          else if (!service) problems.push(`--${peer}=${target}: no Service ${m[1]}`);
          else if (!service.spec.ports.some((p) => p.port === Number(m[2]))) problems.push(`--${peer}=${target}: Service ${m[1]} has no port ${m[2]}`);
        }
        if (name === "yoga-session" && !flags.has("peer_api_key_file")) problems.push("--peer_api_key_file missing (the session's key for the planner)");
        if (name === "yoga-session") {
          // A session keeps its timeline in memory: ~150 KiB for 30 minutes (measured), so allow
          // 300 KiB each plus 64 MiB for the process; the server's default is 20000 sessions.
          const sessions = Number(flags.get("max_sessions") || 20000);
          const limit = quantity(((c.resources || {}).limits || {}).memory);
          if (!(sessions * 300 * 1024 + 64 * 1024 ** 2 <= limit)) problems.push(`--max_sessions=${sessions} at 300 KiB each does not fit the memory limit ${((c.resources || {}).limits || {}).memory}`);
        }
        if (name === "yoga-catalog" && flags.get("catalog_dir") !== "/etc/yoga/catalog") problems.push(`--catalog_dir=${flags.get("catalog_dir")}, expected /etc/yoga/catalog`);
        return problems;
      });

      check(`${label}: ${name}: every $(VAR) in its command and args is an env var of the container (Kubernetes passes an unknown one on as written)`, () => {
        const env = envOf(c);
        const problems = [];
        for (const arg of [...(c.command || []), ...(c.args || [])]) {
          for (const v of varRefs(arg)) if (!env.has(v)) problems.push(`${JSON.stringify(arg)}: $(${v}) is not defined in env`);
        }
        return problems;
      });

      if (want.database) {
        check(`${label}: ${name}: --${DATABASE.flag}=${DATABASE.path}, the Secret ${DATABASE.secret} (key ${DATABASE.key}, required) mounted there; no --database, no database env var; a --database_pool_size`, () => {
          const problems = [];
          if (flags.get(DATABASE.flag) !== DATABASE.path) problems.push(`--${DATABASE.flag}=${flags.get(DATABASE.flag)}, expected ${DATABASE.path}`);
          if (flags.has("database")) problems.push(`--database=${flags.get("database")}: the URL (and its password) would be in the arguments`);
          for (const ref of envSecretRefs(pod)) {
            if (ref.name.startsWith(DATABASE.secret)) problems.push(`env ${ref.env} reads the Secret ${ref.name}: the URL belongs in the mounted file`);
          }
          const source = sourceOfPath(pod, c, DATABASE.path);
          if (source.problem) problems.push(`${DATABASE.path}: ${source.problem}`);
          else {
            const volume = pod.volumes.find((v) => v.name === source.mount.name);
            const nameOk = secretsInRender ? new RegExp(`^${DATABASE.secret}-[a-z0-9]{10}$`).test(source.name) : source.name === DATABASE.secret;
            if (source.kind !== "Secret" || !nameOk) problems.push(`${DATABASE.path} is on ${source.kind} ${source.name}, expected the Secret ${DATABASE.secret}${secretsInRender ? "-<hash>" : ""}`);
            const items = (volume.secret && volume.secret.items) || [];
            const item = items.find((i) => i.path === source.key);
            if (items.length && (!item || item.key !== DATABASE.key)) problems.push(`${DATABASE.path} is not the Secret's key ${DATABASE.key}`);
            if (!items.length && source.key !== DATABASE.key) problems.push(`${DATABASE.path} is the Secret's key ${source.key}, expected ${DATABASE.key}`);
            if (volume.secret && volume.secret.optional) problems.push(`the Secret volume is optional: without it the pods would start without a database`);
            if (secretsInRender) {
              const secret = secrets.find((o) => o.metadata.name === source.name);
              if (!secret || !(DATABASE.key in (secret.data || {}))) problems.push(`Secret ${source.name} with key ${DATABASE.key} is not in the tree`);
            }
          }
          // Every pod shares PostgreSQL: nothing is stored in the pod (its root is read-only).
          if (flags.has("data_dir")) problems.push(`--data_dir=${flags.get("data_dir")}: nothing is stored in the pod`);
          if (flags.has("database_pool_size") && !/^[1-9]\d*$/.test(flags.get("database_pool_size"))) problems.push(`--database_pool_size=${flags.get("database_pool_size")} is not a positive number`);
          if (!flags.has("database_pool_size")) problems.push("no --database_pool_size: the connection budget (README.md) should be visible here");
          return problems;
        });
      } else {
        check(`${label}: ${name}: no database (no ${DATABASE_FLAGS.map((f) => "--" + f).join(", ")}; no ${DATABASE.secret} Secret)`, () => {
          const problems = DATABASE_FLAGS.filter((f) => flags.has(f)).map((f) => `--${f}=${flags.get(f)}: the catalog has no database`);
          for (const ref of envSecretRefs(pod)) {
            if (ref.name.startsWith(DATABASE.secret)) problems.push(`env ${ref.env} reads the Secret ${ref.name}: the catalog has no database`);
          }
          for (const v of pod.volumes || []) {
            if (v.secret && v.secret.secretName.startsWith(DATABASE.secret)) problems.push(`volume ${v.name} mounts the Secret ${v.secret.secretName}: the catalog has no database`);
          }
          return problems;
        });
      }

      check(`${label}: ${name}: gRPC readiness (${want.grpc}) and liveness ("") probes on the plaintext health port`, () => {
        const problems = [];
        const probe = (kind, service) => {
          const p = c[kind];
          if (!p) return problems.push(`no ${kind}`);
          if (p.httpGet || p.tcpSocket || p.exec) problems.push(`${kind} is not a gRPC probe`);
          if (!p.grpc) return problems.push(`${kind} has no grpc action`);
          if (p.grpc.port !== HEALTH_PORT) problems.push(`${kind} probes port ${p.grpc.port}, not the health port ${HEALTH_PORT} (probes cannot speak TLS)`);
          if (p.grpc.service !== service) problems.push(`${kind} asks for service ${JSON.stringify(p.grpc.service)}, expected ${JSON.stringify(service)}`);
        };
        probe("readinessProbe", want.grpc);
        probe("livenessProbe", "");
        return problems;
      });

      check(`${label}: ${name}: security context (non-root 10001, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp)`, () => {
        const problems = [];
        const expect = (field, value) => {
          const got = effective(pod, c, field);
          if (JSON.stringify(got) !== JSON.stringify(value)) problems.push(`${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
        };
        expect("runAsNonRoot", true);
        expect("runAsUser", 10001);
        const sc = c.securityContext || {};
        if (sc.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem is not true");
        if (sc.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
        if (sc.privileged === true) problems.push("privileged");
        const caps = sc.capabilities || {};
        if (!(caps.drop || []).includes("ALL")) problems.push("capabilities do not drop ALL");
        if ((caps.add || []).length) problems.push(`capabilities add ${caps.add}`);
        const seccomp = effective(pod, c, "seccompProfile");
        if (!seccomp || seccomp.type !== "RuntimeDefault") problems.push(`seccompProfile ${JSON.stringify(seccomp)}, expected RuntimeDefault`);
        if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push("shares a host namespace");
        return problems;
      });

      check(`${label}: ${name}: CPU and memory requests and limits, requests within limits`, () => {
        const problems = [];
        const r = c.resources || {};
        for (const resource of ["cpu", "memory"]) {
          const request = quantity((r.requests || {})[resource]);
          const limit = quantity((r.limits || {})[resource]);
          if (!(request > 0)) problems.push(`no ${resource} request`);
          if (!(limit > 0)) problems.push(`no ${resource} limit`);
          if (request > limit) problems.push(`${resource} request ${r.requests[resource]} above its limit ${r.limits[resource]}`);
        }
        return problems;
      });

      check(`${label}: ${name}: terminationGracePeriodSeconds > preStop sleep + --shutdown_grace`, () => {
        const grace = pod.terminationGracePeriodSeconds;
        const drain = durationSeconds(flags.get("shutdown_grace"));
        const preStop = c.lifecycle && c.lifecycle.preStop;
        let sleep = 0;
        if (preStop && preStop.sleep) sleep = preStop.sleep.seconds;
        else if (preStop && preStop.exec) {
          const cmd = preStop.exec.command || [];
          if (cmd[0] === "sleep" || cmd[0] === "/bin/sleep") sleep = Number(cmd[1]);
          else return [`preStop exec ${JSON.stringify(cmd)} is not a sleep`];
        }
        if (!(typeof grace === "number")) return [`terminationGracePeriodSeconds not set (default 30 s)`];
        if (!(grace > sleep + drain)) return [`terminationGracePeriodSeconds ${grace} <= preStop ${sleep} s + --shutdown_grace ${drain} s: the kubelet would kill calls still draining`];
        if (!(sleep > 0)) return ["no preStop sleep: the pod would stop serving before its endpoint is gone"];
        return [];
      });

      check(`${label}: ${name}: every file flag is mounted from a Secret or ConfigMap (read-only, key present)`, () => {
        const problems = [];
        for (const m of c.volumeMounts || []) {
          if (m.readOnly !== true) problems.push(`volumeMount ${m.name} is not readOnly`);
        }
        for (const flag of FILE_FLAGS) {
          if (!flags.has(flag)) continue;
          const file = flags.get(flag);
          const source = sourceOfPath(pod, c, file);
          if (source.problem) {
            problems.push(`--${flag}: ${source.problem}`);
            continue;
          }
          if (source.kind === "ConfigMap") {
            const cm = configMaps.find((o) => o.metadata.name === source.name);
            if (!cm) problems.push(`--${flag}: ConfigMap ${source.name} is not in the tree`);
            else if (source.key !== null && !(source.key in (cm.data || {}))) problems.push(`--${flag}: ConfigMap ${source.name} has no key ${source.key}`);
          } else if (secretsInRender) {
            const secret = secrets.find((o) => o.metadata.name === source.name);
            if (!secret) problems.push(`--${flag}: Secret ${source.name} is not in the tree`);
            else if (source.key === null || !(source.key in (secret.data || {}))) problems.push(`--${flag}: Secret ${source.name} has no key ${source.key}`);
          } else if (!/^yoga-(tls|api-keys|peer-key|database)$/.test(source.name)) {
            problems.push(`--${flag}: Secret ${source.name} is not one of the files README.md tells the operator to create`);
          }
        }
        return problems;
      });
    }

    const autoscaler = hpas.find((h) => h.spec.scaleTargetRef.name === name);
    if (autoscaler) {
      check(`${label}: ${name}: HorizontalPodAutoscaler (autoscaling/v2, CPU utilization, at least 2 pods) owns the replica count`, () => {
        const problems = [];
        const ref = autoscaler.spec.scaleTargetRef;
        if (autoscaler.apiVersion !== "autoscaling/v2") problems.push(`apiVersion ${autoscaler.apiVersion}`);
        if (ref.kind !== "Deployment" || ref.apiVersion !== "apps/v1") problems.push(`scaleTargetRef ${JSON.stringify(ref)}`);
        const cpu = (autoscaler.spec.metrics || []).find((m) => m.type === "Resource" && m.resource.name === "cpu");
        if (!cpu || cpu.resource.target.type !== "Utilization") problems.push("no CPU utilization metric");
        if (!(autoscaler.spec.minReplicas >= 2)) problems.push(`minReplicas ${autoscaler.spec.minReplicas}: one pod leaves no one to take over`);
        if (!(autoscaler.spec.maxReplicas > autoscaler.spec.minReplicas)) problems.push("maxReplicas not above minReplicas");
        if (d.spec.replicas !== undefined) problems.push(`the Deployment sets replicas: ${d.spec.replicas}; every apply would reset the autoscaler's count`);
        for (const c of containers) if (!((c.resources || {}).requests || {}).cpu) problems.push(`container ${c.name} has no CPU request to take a utilization of`);
        return problems;
      });
    } else {
      check(`${label}: ${name}: at least 2 replicas`, () => (d.spec.replicas >= 2 ? [] : [`replicas ${d.spec.replicas}`]));
    }

    check(`${label}: ${name}: headless Service on the grpc port selecting exactly these pods`, () => {
      const s = services.find((o) => o.metadata.name === name);
      if (!s) return ["no Service"];
      const problems = [];
      if (s.spec.clusterIP !== "None") problems.push(`clusterIP ${s.spec.clusterIP}, expected None (headless: clients resolve every pod)`);
      if (s.spec.type && s.spec.type !== "ClusterIP") problems.push(`type ${s.spec.type}`);
      if (!sameMap(s.spec.selector, d.spec.selector.matchLabels)) problems.push(`selector ${JSON.stringify(s.spec.selector)} differs from the Deployment's`);
      const port = (s.spec.ports || []).find((p) => p.name === "grpc");
      if (!port || port.port !== want.port) problems.push(`no port "grpc" ${want.port}`);
      else if (!containers.some((c) => (c.ports || []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort))) problems.push(`targetPort ${port.targetPort} is no container port`);
      return problems;
    });

    check(`${label}: ${name}: PodDisruptionBudget selecting exactly these pods`, () => {
      const pdb = pdbs.find((o) => o.metadata.name === name);
      if (!pdb) return ["no PodDisruptionBudget"];
      const problems = [];
      if (!sameMap(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels)) problems.push("selector differs from the Deployment's");
      if (pdb.spec.maxUnavailable === undefined && pdb.spec.minAvailable === undefined) problems.push("neither maxUnavailable nor minAvailable");
      return problems;
    });
  }

  check(`${label}: the database pools fit PostgreSQL's default max_connections at the autoscalers' maximum (pods x --database_pool_size <= ${MAX_CONNECTIONS})`, () => {
    let total = 0;
    const parts = [];
    for (const d of deployments) {
      if (!(SERVICES[d.metadata.name] || {}).database) continue;
      const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === d.metadata.name);
      const pods = hpa ? hpa.spec.maxReplicas : d.spec.replicas || 1;
      for (const c of d.spec.template.spec.containers) {
        const pool = Number(flagsOf(c).flags.get("database_pool_size") || DEFAULT_POOL_SIZE);
        total += pods * pool;
        parts.push(`${d.metadata.name} ${pods} x ${pool}`);
      }
    }
    return total <= MAX_CONNECTIONS ? [] : [`${parts.join(" + ")} = ${total} connections, above ${MAX_CONNECTIONS}: lower a pool or the maxReplicas, or raise max_connections and this check`];
  });

  check(`${label}: the catalog ConfigMap holds exactly assets/catalog/*.textproto, byte for byte`, () => {
    const problems = [];
    const cms = configMaps.filter((o) => /^yoga-catalog-poses-[a-z0-9]+$/.test(o.metadata.name));
    if (cms.length !== 1) return [`ConfigMaps yoga-catalog-poses-<hash>: ${cms.map(id)} (the name's content hash rolls the catalog on a change)`];
    const data = cms[0].data || {};
    const dir = path.join(args.repo, "assets/catalog");
    const want = fs.readdirSync(dir).filter((f) => f.endsWith(".textproto")).sort();
    const have = Object.keys(data).sort();
    if (want.join() !== have.join()) {
      problems.push(`keys differ: missing [${want.filter((f) => !have.includes(f))}] extra [${have.filter((f) => !want.includes(f))}]`);
    }
    for (const f of want) {
      if (f in data && data[f] !== fs.readFileSync(path.join(dir, f), "utf8")) problems.push(`${f} differs from assets/catalog/${f}`);
    }
    const bytes = Object.values(data).reduce((n, v) => n + Buffer.byteLength(v), 0);
    // kubectl's client-side apply copies the object into an annotation (at most 256 KiB).
    if (bytes > 200 * 1024) problems.push(`${bytes} bytes: too close to the 256 KiB annotation limit of client-side apply`);
    if (problems.length) problems.push("run deploy/k8s/sync-catalog.sh");
    return problems;
  });

  if (!secretsInRender) {
    check(`${label}: no Secret and no database in the tree; the pods read exactly the Secret keys README.md tells the operator to create`, () => {
      const problems = secrets.map((s) => `${id(s)} is committed in the production tree`);
      for (const o of objects) {
        if (o.kind === "StatefulSet" || isExampleDatabase(o)) problems.push(`${id(o)}: the database is outside these manifests (the example tree has one for scratch clusters)`);
      }
      const used = new Set();
      for (const d of deployments) {
        const pod = d.spec.template.spec;
        for (const ref of envSecretRefs(pod)) used.add(`${ref.name}/${ref.key}`);
        for (const c of pod.containers) {
          for (const [flag, file] of flagsOf(c).flags) {
            if (!FILE_FLAGS.includes(flag)) continue;
            const source = sourceOfPath(pod, c, file);
            if (source.kind === "Secret") used.add(`${source.name}/${source.key}`);
          }
        }
      }
      if ([...used].sort().join() !== OPERATOR_SECRET_KEYS) problems.push(`Secret keys read: ${[...used].sort()}; README.md documents ${OPERATOR_SECRET_KEYS}`);
      return problems;
    });
  } else {
    check(`${label}: the example Secrets are marked as examples; yoga-tls is kubernetes.io/tls, its tls.crt signed by its ca.crt for every in-cluster service name`, () => {
      const problems = [];
      if (secrets.length !== 4) problems.push(`${secrets.length} Secrets, expected 4 (yoga-tls, yoga-api-keys, yoga-peer-key, yoga-database)`);
      for (const s of secrets) {
        if ((s.metadata.labels || {})["example-only"] !== "true") problems.push(`${id(s)} lacks the example-only label`);
      }
      const tls = secrets.find((s) => /^yoga-tls-/.test(s.metadata.name));
      if (!tls || tls.type !== "kubernetes.io/tls") problems.push("no kubernetes.io/tls Secret yoga-tls-<hash>");
      else {
        const pem = (k) => Buffer.from(tls.data[k] || "", "base64").toString();
        try {
          const crt = new crypto.X509Certificate(pem("tls.crt"));
          const ca = new crypto.X509Certificate(pem("ca.crt"));
          const key = crypto.createPrivateKey(pem("tls.key"));
          if (!crt.checkPrivateKey(key)) problems.push("tls.key is not the key of tls.crt");
          if (!crt.verify(ca.publicKey) || !crt.checkIssued(ca)) problems.push("tls.crt is not signed by ca.crt");
          if (!ca.ca) problems.push("ca.crt is not a CA certificate");
          for (const service of Object.keys(SERVICES)) {
            // The peers dial dns:///yoga-NAME:PORT: the host name TLS checks is yoga-NAME.
            if (!crt.checkHost(service, { wildcards: false })) problems.push(`tls.crt is not valid for ${service}`);
          }
          if (!crt.subject.includes("EXAMPLE") || !ca.subject.includes("EXAMPLE")) problems.push("the example certificates' subjects do not say EXAMPLE");
          if (new Date(crt.validTo) < new Date(Date.now() + 365 * 86400e3)) problems.push(`tls.crt expires ${crt.validTo}, within a year`);
        } catch (e) {
          problems.push(`tls.crt, tls.key or ca.crt does not parse: ${e.message}`);
        }
      }
      return problems;
    });

    check(`${label}: the example api_keys file parses, and the session's peer key is in it with the planner and peer permissions`, () => {
      const problems = [];
      const keys = secrets.find((s) => /^yoga-api-keys-/.test(s.metadata.name));
      const peer = secrets.find((s) => /^yoga-peer-key-/.test(s.metadata.name));
      if (!keys || !peer) return ["yoga-api-keys or yoga-peer-key missing"];
      const text = Buffer.from(keys.data.api_keys || "", "base64").toString();
      const peerKey = Buffer.from(peer.data.peer_api_key || "", "base64").toString().trim();
      const entries = new Map();
      text.split("\n").forEach((raw, i) => {
        const line = raw.replace(/#.*/, "").trim();
        if (!line) return;
        const m = /^(\S+)\s+sha256=([0-9a-f]{64})\s+permissions=((?:planner|sessions|peer)(?:,(?:planner|sessions|peer))*)(?:\s+rate=\d+(?:\.\d+)?)?(?:\s+burst=\d+)?$/.exec(line);
        if (!m) problems.push(`api_keys:${i + 1}: not KEY_ID sha256=HEX permissions=... [rate=N] [burst=N]`);
        else entries.set(m[2], { id: m[1], permissions: m[3].split(",") });
      });
      if (!text.includes("EXAMPLE")) problems.push("the example api_keys file does not say EXAMPLE");
      const hash = crypto.createHash("sha256").update(peerKey).digest("hex");
      const entry = entries.get(hash);
      if (!entry) problems.push("no line of api_keys has the sha256 of the peer key");
      else if (!entry.permissions.includes("planner") || !entry.permissions.includes("peer")) {
        problems.push(`the peer key's line (${entry.id}) lacks permissions=planner,peer (it acts for the partners)`);
      }
      // Only our own services' key may act for another: no partner has "peer".
      for (const other of entries.values()) {
        if (other !== entry && other.permissions.includes("peer")) problems.push(`${other.id} has the peer permission`);
      }
      return problems;
    });

    // postgres.yaml: one PostgreSQL pod for a scratch cluster, its password in yoga-database.
    const statefulSets = ofKind(objects, "StatefulSet");
    const database = statefulSets.find((o) => o.metadata.name === "yoga-postgres");
    const databaseSecret = secrets.find((s) => new RegExp(`^${DATABASE.secret}-[a-z0-9]{10}$`).test(s.metadata.name));
    check(`${label}: the example Secret ${DATABASE.secret}: a postgresql:// URL of the example PostgreSQL (yoga-postgres:5432), its user, database and password, marked NOT-A-SECRET`, () => {
      if (!databaseSecret) return [`no Secret ${DATABASE.secret}-<hash>`];
      const data = (k) => Buffer.from((databaseSecret.data || {})[k] || "", "base64").toString();
      let url;
      try {
        url = new URL(data(DATABASE.key));
      } catch (e) {
        return [`key ${DATABASE.key} is not a URL: ${e.message}`];
      }
      const problems = [];
      if (!/^postgres(ql)?:$/.test(url.protocol)) problems.push(`${url.protocol} is not postgresql:`);
      if (url.hostname !== "yoga-postgres" || url.port !== "5432") problems.push(`the URL names ${url.host}, expected yoga-postgres:5432 (the example's Service)`);
      if (!/NOT-A-SECRET/.test(decodeURIComponent(url.password))) problems.push("the example password does not say NOT-A-SECRET");
      if (decodeURIComponent(url.password) !== data("password")) problems.push("the URL's password is not the Secret's key password (which PostgreSQL is given)");
      if (database) {
        const env = envOf(database.spec.template.spec.containers[0]);
        const value = (n) => (env.get(n) || {}).value;
        if (value("POSTGRES_USER") !== decodeURIComponent(url.username)) problems.push(`the URL's user ${url.username} is not POSTGRES_USER ${value("POSTGRES_USER")}`);
        if (`/${value("POSTGRES_DB")}` !== url.pathname) problems.push(`the URL's database ${url.pathname} is not POSTGRES_DB ${value("POSTGRES_DB")}`);
      }
      return problems;
    });

    check(`${label}: the example PostgreSQL: one StatefulSet pod of postgres 15 or later on a volume claim, a headless Service on 5432, restricted Pod Security, marked example-only`, () => {
      if (!database) return ["no StatefulSet yoga-postgres"];
      const problems = [];
      if (statefulSets.length !== 1) problems.push(`StatefulSets: ${statefulSets.map(id)}`);
      const pod = database.spec.template.spec;
      const c = pod.containers[0] || {};
      if (database.spec.replicas !== 1) problems.push(`replicas ${database.spec.replicas}, expected 1 (no replication here)`);
      const m = /^postgres:(\d+)(\.\d+)?(-bookworm)?$/.exec(c.image || "");
      if (!m || Number(m[1]) < 15) problems.push(`image ${c.image}, expected postgres:15 or later (Debian's)`);
      const claim = (database.spec.volumeClaimTemplates || [])[0];
      const dataMount = (c.volumeMounts || []).find((v) => claim && v.name === claim.metadata.name);
      if (!claim || !dataMount) problems.push("no volume claim template mounted in the container");
      const env = envOf(c);
      const pgdata = (env.get("PGDATA") || {}).value || "/var/lib/postgresql/data";
      if (dataMount && !pgdata.startsWith(dataMount.mountPath.replace(/\/?$/, "/"))) problems.push(`PGDATA ${pgdata} is not a folder below the volume at ${dataMount.mountPath} (its root may hold lost+found)`);
      // The password as a file (POSTGRES_PASSWORD_FILE), from the Secret's key password.
      const passwordFile = (env.get("POSTGRES_PASSWORD_FILE") || {}).value || "";
      const source = passwordFile ? sourceOfPath(pod, c, passwordFile) : { problem: "no POSTGRES_PASSWORD_FILE" };
      const volume = source.mount && pod.volumes.find((v) => v.name === source.mount.name);
      const item = volume && volume.secret && (volume.secret.items || []).find((i) => i.path === source.key);
      if (env.has("POSTGRES_PASSWORD")) problems.push("POSTGRES_PASSWORD in the environment: the password belongs in the mounted file");
      if (source.problem || !databaseSecret || source.name !== databaseSecret.metadata.name || !item || item.key !== "password") problems.push(`POSTGRES_PASSWORD_FILE ${passwordFile} is not the yoga-database Secret's key password (${source.problem || source.name})`);
      const service = ofKind(objects, "Service").find((o) => o.metadata.name === "yoga-postgres");
      if (!service) problems.push("no Service yoga-postgres");
      else {
        if (service.spec.clusterIP !== "None") problems.push("the Service yoga-postgres is not headless");
        if (!sameMap(service.spec.selector, database.spec.selector.matchLabels)) problems.push("the Service does not select the StatefulSet's pods");
        if (!(service.spec.ports || []).some((p) => p.port === 5432)) problems.push("the Service has no port 5432");
      }
      if (database.spec.serviceName !== "yoga-postgres") problems.push(`serviceName ${database.spec.serviceName}`);
      const probe = c.readinessProbe && c.readinessProbe.exec && c.readinessProbe.exec.command;
      if (!probe || probe[0] !== "pg_isready" || !probe.includes("--host=127.0.0.1")) problems.push(`readiness ${JSON.stringify(probe)}: expected pg_isready over TCP (--host=127.0.0.1)`);
      // What Pod Security "restricted" (the namespace enforces it) asks of every pod.
      if (effective(pod, c, "runAsNonRoot") !== true) problems.push("runAsNonRoot is not true");
      const sc = c.securityContext || {};
      if (sc.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
      if (!((sc.capabilities || {}).drop || []).includes("ALL")) problems.push("capabilities do not drop ALL");
      const seccomp = effective(pod, c, "seccompProfile");
      if (!seccomp || seccomp.type !== "RuntimeDefault") problems.push(`seccompProfile ${JSON.stringify(seccomp)}`);
      if (pod.automountServiceAccountToken !== false) problems.push("automountServiceAccountToken is not false");
      const r = c.resources || {};
      if (!((r.limits || {}).memory && (r.requests || {}).cpu)) problems.push("no memory limit or CPU request");
      for (const o of [database, service].filter(Boolean)) {
        if ((o.metadata.labels || {})["example-only"] !== "true") problems.push(`${id(o)} lacks the example-only label`);
      }
      return problems;
    });
  }

  check(`${label}: every ConfigMap and Secret a pod refers to (volumes and env) ${secretsInRender ? "is in the tree" : "is in the tree or is one of the operator's four Secrets"}`, () => {
    const problems = [];
    const operatorSecrets = new Set(OPERATOR_SECRET_KEYS.split(",").map((k) => k.split("/")[0]));
    const secretThere = (name) => (secretsInRender ? secrets.some((o) => o.metadata.name === name) : operatorSecrets.has(name));
    for (const d of [...deployments, ...ofKind(objects, "StatefulSet")]) {
      const pod = d.spec.template.spec;
      for (const v of pod.volumes || []) {
        if (v.configMap && !configMaps.some((o) => o.metadata.name === v.configMap.name)) problems.push(`${id(d)}: ConfigMap ${v.configMap.name} missing`);
        if (v.secret && !secretThere(v.secret.secretName)) problems.push(`${id(d)}: Secret ${v.secret.secretName} missing`);
      }
      for (const ref of envSecretRefs(pod)) {
        if (!secretThere(ref.name)) problems.push(`${id(d)}: env ${ref.env} reads Secret ${ref.name}, missing`);
        else if (secretsInRender && ref.key !== "*" && !(ref.key in (secrets.find((o) => o.metadata.name === ref.name).data || {}))) problems.push(`${id(d)}: env ${ref.env}: Secret ${ref.name} has no key ${ref.key}`);
      }
    }
    return problems;
  });
}

// ---------------------------------------------------------------------------------------------
// The checks, then the checks of the checks.

const base = loadRender(args.base);
const example = loadRender(args.example);
checkRender("deploy/k8s", base, { secretsInRender: false });
checkRender("deploy/k8s/example", example, { secretsInRender: true });

check("deploy/k8s/example is deploy/k8s plus the four Secrets and the example PostgreSQL (nothing else changed but the Secrets' hashed names)", () => {
  const strip = (objects) =>
    JSON.stringify(
      objects.filter((o) => o.kind !== "Secret" && !isExampleDatabase(o)),
      (k, v) => (typeof v === "string" ? v.replace(/^(yoga-(tls|api-keys|peer-key|database))-[a-z0-9]{10}$/, "$1") : v)
    );
  return strip(base) === strip(example) ? [] : ["the example tree differs from deploy/k8s in more than its Secrets and PostgreSQL"];
});

// The validator and the property checks must reject broken objects.
const catalogDeployment = base.find((o) => o.kind === "Deployment" && o.metadata.name === "yoga-catalog");
const headless = base.find((o) => o.kind === "Service");
const mutants = [
  ["a misspelled field (readinesProbe)", catalogDeployment, (d) => {
    const c = d.spec.template.spec.containers[0];
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
  }, /unknown field .*\/readinesProbe/],
  ["a field at the wrong level (terminationGracePeriodSeconds on the container)", catalogDeployment, (d) => {
    d.spec.template.spec.containers[0].terminationGracePeriodSeconds = 30;
  }, /unknown field .*containers\/0\/terminationGracePeriodSeconds/],
  ["a wrong type (replicas: \"2\")", catalogDeployment, (d) => { d.spec.replicas = "2"; }, /replicas must be integer/],
  ["a wrong type (grpc probe port: \"health\")", catalogDeployment, (d) => {
    d.spec.template.spec.containers[0].livenessProbe.grpc.port = "health";
  }, /grpc\/port must be integer/],
  ["a bad enum value (imagePullPolicy: Sometimes)", catalogDeployment, (d) => {
    d.spec.template.spec.containers[0].imagePullPolicy = "Sometimes";
  }, /imagePullPolicy must be equal to one of the allowed values/],
  ["a missing required field (container name)", catalogDeployment, (d) => {
    delete d.spec.template.spec.containers[0].name;
  }, /must have required property '?name'?/],
  ["a misspelled Service field (clusterIp)", headless, (s) => {
    s.spec.clusterIp = s.spec.clusterIP;
    delete s.spec.clusterIP;
  }, /unknown field \/spec\/clusterIp/],
  ["Secret data that is not base64", example.find((o) => o.kind === "Secret"), (s) => {
    s.data[Object.keys(s.data)[0]] = "not base64!";
  }, /must match format "byte"/],
  ["an unknown kind (apps/v1 Deploymnet)", catalogDeployment, (d) => { d.kind = "Deploymnet"; }, /no Kubernetes schema/],
];
for (const [what, original, mutate, expected] of mutants) {
  check(`the schema check rejects ${what}`, () => {
    const broken = deepCopy(original);
    mutate(broken);
    const problems = schemaProblems(broken);
    if (!problems.length) return ["accepted"];
    return problems.some((p) => expected.test(p)) ? [] : [`rejected, but not as expected: ${problems.join("; ")}`];
  });
}
check("the schema check accepts the unbroken originals", () => [...schemaProblems(deepCopy(catalogDeployment)), ...schemaProblems(deepCopy(headless))]);

// Property checks on broken trees: run checkRender quietly and count its failures.
function failuresOf(objects) {
  const saved = { passed, failed, log: console.log };
  const lines = [];
  console.log = (line) => lines.push(line);
  try {
    checkRender("mutant", objects, { secretsInRender: false });
  } finally {
    console.log = saved.log;
    passed = saved.passed;
    failed = saved.failed;
  }
  return lines.filter((l) => l.startsWith("FAIL") || l.startsWith("  "));
}
// [what, kind/name of the object to break, how, the complaint expected]
const container0 = (d) => d.spec.template.spec.containers[0];
const setFlag = (d, flag, value) => {
  const c = container0(d);
  c.args = c.args.filter((a) => !a.startsWith(`--${flag}=`));
  if (value !== null) c.args.push(`--${flag}=${value}`);
};
const propertyMutants = [
  ["a container without readOnlyRootFilesystem", "Deployment/yoga-catalog", (d) => { delete container0(d).securityContext.readOnlyRootFilesystem; }, /readOnlyRootFilesystem/],
  ["an HTTP liveness probe", "Deployment/yoga-catalog", (d) => { container0(d).livenessProbe = { httpGet: { path: "/", port: 8081 } }; }, /livenessProbe/],
  ["a readiness probe on the TLS port", "Deployment/yoga-catalog", (d) => { container0(d).readinessProbe.grpc.port = 50052; }, /health port/],
  ["a grace period of 20 s against --shutdown_grace=20s", "Deployment/yoga-catalog", (d) => { d.spec.template.spec.terminationGracePeriodSeconds = 20; }, /terminationGracePeriodSeconds/],
  ["no memory limit", "Deployment/yoga-catalog", (d) => { delete container0(d).resources.limits.memory; }, /no memory limit/],
  ["another image", "Deployment/yoga-catalog", (d) => { container0(d).image = "yoga:dev"; }, /image yoga:dev/],
  ["a catalog with a database", "Deployment/yoga-catalog", (d) => setFlag(d, "database", "memory"), /--database=memory: the catalog has no database/],
  ["a planner without --database_file (its routines in its own pod)", "Deployment/yoga-planner", (d) => setFlag(d, "database_file", null), /--database_file=undefined, expected \/etc\/yoga\/database\/url/],
  ["the URL back in the arguments through an env var", "Deployment/yoga-session", (d) => {
    setFlag(d, "database_file", null);
    setFlag(d, "database", "$(YOGA_DATABASE_URL)");
    container0(d).env = [{ name: "YOGA_DATABASE_URL", valueFrom: { secretKeyRef: { name: "yoga-database", key: "url" } } }];
  }, /--database=\$\(YOGA_DATABASE_URL\): the URL \(and its password\) would be in the arguments/],
  ["a session whose --database names an env var it does not define", "Deployment/yoga-session", (d) => setFlag(d, "database", "$(YOGA_DB_URL)"), /\$\(YOGA_DB_URL\) is not defined in env/],
  ["an optional database Secret", "Deployment/yoga-planner", (d) => { d.spec.template.spec.volumes.find((v) => v.name === "database").secret.optional = true; }, /optional/],
  ["the database URL from another Secret key", "Deployment/yoga-planner", (d) => { d.spec.template.spec.volumes.find((v) => v.name === "database").secret.items[0].key = "uri"; }, /is not the Secret's key url/],
  ["a planner with --data_dir beside PostgreSQL", "Deployment/yoga-planner", (d) => setFlag(d, "data_dir", "/var/lib/yoga"), /--data_dir=\/var\/lib\/yoga: nothing is stored in the pod/],
  ["pools of 20 connections at 10 pods each", "Deployment/yoga-session", (d) => setFlag(d, "database_pool_size", "20"), /connections, above 97/],
  ["a Deployment with replicas beside its autoscaler", "Deployment/yoga-session", (d) => { d.spec.replicas = 2; }, /sets replicas: 2/],
  ["an autoscaler that allows one session pod", "HorizontalPodAutoscaler/yoga-session", (h) => { h.spec.minReplicas = 1; }, /minReplicas 1/],
];
for (const [what, target, mutate, expected] of propertyMutants) {
  check(`the property checks reject ${what}`, () => {
    const objects = deepCopy(base);
    const object = objects.find((o) => id(o) === target);
    if (!object) return [`no ${target} to break`];
    mutate(object);
    const failures = failuresOf(objects);
    return failures.some((l) => expected.test(l)) ? [] : [`not rejected as expected (${failures.length} failure lines: ${failures.slice(0, 4).join(" | ")})`];
  });
}
check("the property checks reject a Service with a cluster IP", () => {
  const objects = deepCopy(base);
  delete objects.find((o) => o.kind === "Service").spec.clusterIP;
  return failuresOf(objects).some((l) => /headless/.test(l)) ? [] : ["not rejected"];
});

// Optional: every flag in the manifests is one the built program accepts.
if (args.bin_dir) {
  for (const d of ofKind(base, "Deployment")) {
    const want = SERVICES[d.metadata.name];
    if (!want) continue;
    check(`${want.program} (${args.bin_dir}) accepts every flag its Deployment passes`, () => {
      const program = path.join(args.bin_dir, want.program);
      const help = childProcess.spawnSync(program, ["--helpfull"], { encoding: "utf8", timeout: 20000 });
      if (help.error) return [`cannot run ${program}: ${help.error.message}`];
      const text = `${help.stdout}${help.stderr}`;
      const known = new Set([...text.matchAll(/^\s+--([a-z0-9_]+) /gm)].map((m) => m[1]));
      const problems = [];
      for (const c of d.spec.template.spec.containers) {
        for (const flag of flagsOf(c).flags.keys()) if (!known.has(flag)) problems.push(`--${flag} is not a flag of ${want.program}`);
      }
      return problems;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Optional smoke run (--bin_dir with --buf): the three programs started with the exact arguments
// of deploy/k8s/example, their mounted files laid out as the kubelet lays out Secret and
// ConfigMap volumes (DIR/..<timestamp>/KEY, DIR/..data -> it, DIR/KEY -> ..data/KEY), the image's
// /usr/share/yoga as the repository's assets, ports moved to free loopback ones and the peers'
// dns:///yoga-NAME:PORT to dns:///localhost:PORT (the example certificate names localhost too).
// The container's env is set as the kubelet sets it (values, and Secret keys) and $(VAR) in the
// arguments expanded from it as Kubernetes does; the database URL that comes out (the example's
// yoga-postgres, not reachable here) is then replaced by one SQLite file that the planner and the
// session share, as their pods share PostgreSQL. Each probe's gRPC health check must answer
// SERVING on the health port in plaintext, a session composed from a preset must start over TLS
// with an example partner key (the session calls the planner with its peer key, the planner the
// catalog) and be stored in that database, and SIGTERM must end each with status 0 within
// --shutdown_grace.

function freePort() {
  return new Promise((resolve, reject) => {
    const server = require("net").createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Writes a volume as the kubelet does; `files` maps key -> Buffer.
function writeVolume(dir, files) {
  const stamp = "..2025_01_01_00_00_00.000000001";
  fs.mkdirSync(path.join(dir, stamp), { recursive: true });
  for (const [key, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, stamp, key), content);
  fs.symlinkSync(stamp, path.join(dir, "..data"));
  for (const key of Object.keys(files)) fs.symlinkSync(path.join("..data", key), path.join(dir, key));
}

// Starts a program; resolves with {child, address} once it prints "listening on HOST:PORT".
function start(program, programArgs, log) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(program, programArgs, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${path.basename(program)} printed no "listening on" in 15 s; stderr:\n${log.text}`)), 15000);
    child.stderr.on("data", (d) => (log.text += d));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^listening on (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1] });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(program)} exited ${code} at start:\n${log.text}`));
    });
  });
}

function bufCurl(bufArgs) {
  const r = childProcess.spawnSync(args.buf, ["curl", "--protocol", "grpc", ...bufArgs], { encoding: "utf8", timeout: 20000 });
  return { ok: r.status === 0, text: `${r.stdout || ""}${r.stderr || ""}`.trim() };
}

async function smoke() {
  const work = fs.mkdtempSync(path.join(require("os").tmpdir(), "k8s-smoke-"));
  const healthSchema = path.join(work, "health-schema");
  fs.mkdirSync(path.join(healthSchema, "grpc/health/v1"), { recursive: true });
  fs.copyFileSync("/usr/share/grpc-proto/grpc/health/v1/health.proto", path.join(healthSchema, "grpc/health/v1/health.proto"));
  const running = [];
  const addresses = {};
  const tls = example.find((o) => o.kind === "Secret" && o.type === "kubernetes.io/tls");
  const caFile = path.join(work, "ca.crt");
  fs.writeFileSync(caFile, Buffer.from(tls.data["ca.crt"], "base64"));
  const databaseFile = path.join(work, "yoga.db");
  const databaseUrls = {};
  let sessionId = null;
  try {
    for (const name of ["yoga-catalog", "yoga-planner", "yoga-session"]) {
      const d = example.find((o) => o.kind === "Deployment" && o.metadata.name === name);
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      const root = path.join(work, name);
      const mounts = [];
      for (const m of c.volumeMounts || []) {
        const volume = pod.volumes.find((v) => v.name === m.name);
        const dir = path.join(root, m.mountPath);
        let files;
        if (volume.configMap) {
          const cm = example.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume.configMap.name);
          files = Object.fromEntries(Object.entries(cm.data).map(([k, v]) => [k, Buffer.from(v)]));
        } else {
          const secret = example.find((o) => o.kind === "Secret" && o.metadata.name === volume.secret.secretName);
          files = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64")]));
          if (volume.secret.items) files = Object.fromEntries(volume.secret.items.map((i) => [i.path, files[i.key]]));
          if (volume.secret.secretName.startsWith(DATABASE.secret)) {
            // The example's PostgreSQL (yoga-postgres) is not here: the file --database_file
            // reads names one shared SQLite file instead.
            const url = files[DATABASE.key].toString();
            if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`${name}: the Secret's ${DATABASE.key} is ${JSON.stringify(url)}, not a PostgreSQL URL`);
            databaseUrls[name] = url.replace(/:[^:@/]*@/, ":***@");
            files[DATABASE.key] = Buffer.from(`sqlite:${databaseFile}\n`);
          }
        }
        writeVolume(dir, files);
        mounts.push([m.mountPath, dir]);
      }
      // The container's env as the kubelet makes it: values (with $(VAR) of earlier entries)
      // and Secret keys.
      const env = new Map();
      for (const e of c.env || []) {
        const ref = e.valueFrom && e.valueFrom.secretKeyRef;
        if (ref) {
          const secret = example.find((o) => o.kind === "Secret" && o.metadata.name === ref.name);
          if (!secret || !(ref.key in (secret.data || {}))) throw new Error(`${name}: env ${e.name}: no Secret ${ref.name} key ${ref.key}`);
          env.set(e.name, Buffer.from(secret.data[ref.key], "base64").toString());
        } else if (e.value !== undefined) env.set(e.name, expandVars(e.value, env));
        else throw new Error(`${name}: env ${e.name}: only value and secretKeyRef are handled here`);
      }
      const health = await freePort();
      const programArgs = [];
      for (const arg of c.args) {
        const m = /^--([a-z_]+)=(.*)$/.exec(expandVars(arg, env));
        let [flag, value] = [m[1], m[2]];
        if (flag === "listen") value = "127.0.0.1:0";
        else if (flag === "health_listen") value = `127.0.0.1:${health}`;
        else if (flag === "catalog" || flag === "planner") {
          const peer = addresses[`yoga-${flag}`];
          if (!peer) throw new Error(`${name} calls ${flag} before it runs`);
          value = `dns:///localhost:${peer.split(":").pop()}`;
        } else if (value.startsWith("/usr/share/yoga/")) value = path.join(args.repo, "assets", value.slice("/usr/share/yoga/".length));
        else for (const [mountPath, dir] of mounts) if (value.startsWith(mountPath + "/") || value === mountPath) value = dir + value.slice(mountPath.length);
        programArgs.push(`--${flag}=${value}`);
      }
      const log = { text: "" };
      const program = path.join(args.bin_dir, c.command[0].split("/").pop());
      let started;
      try {
        started = await start(program, programArgs, log);
      } catch (e) {
        check(`smoke: ${name} starts with the example tree's arguments and files`, () => [e.message]);
        return;
      }
      running.push({ name, child: started.child, log, grace: durationSeconds(flagsOf(c).flags.get("shutdown_grace")) });
      addresses[name] = started.address;
      check(`smoke: ${name} starts with the example tree's arguments and files (${started.address}${databaseUrls[name] ? `; --database_file holding ${databaseUrls[name]} in the Secret, run on sqlite:${databaseFile}` : ""})`, () => []);

      for (const [kind, probe] of [["readinessProbe", c.readinessProbe], ["livenessProbe", c.livenessProbe]]) {
        let last = "";
        const deadline = Date.now() + 15000;
        while (Date.now() < deadline) {
          const r = bufCurl(["--schema", healthSchema, "--http2-prior-knowledge", "-d", JSON.stringify({ service: probe.grpc.service }),
            `http://127.0.0.1:${health}/grpc.health.v1.Health/Check`]);
          last = r.text.replace(/\s+/g, " ");
          if (r.ok && /"SERVING"/.test(r.text)) break;
          await new Promise((done) => setTimeout(done, 250));
        }
        check(`smoke: ${name}: the ${kind}'s check (service ${JSON.stringify(probe.grpc.service)}) is SERVING on the plaintext health port`, () =>
          /"SERVING"/.test(last) ? [] : [`last answer: ${last}`]);
      }
    }

    const keys = Buffer.from(example.find((o) => /^yoga-api-keys-/.test(o.metadata.name)).data.api_keys, "base64").toString();
    check("smoke: a partner key from the example README starts a session from a preset over TLS (session -> planner -> catalog)", () => {
      if (!keys.includes("example-coach")) return ["no example-coach key in the example api_keys"];
      const session = addresses["yoga-session"].split(":").pop();
      const r = bufCurl(["--cacert", caFile, "-H", "x-api-key: example-coach-key-NOT-A-SECRET",
        "-d", JSON.stringify({ compose: { preset_id: "runners-lower-back-four" } }),
        `https://localhost:${session}/yoga.session.v1.SessionService/StartSession`]);
      if (r.ok) {
        try {
          sessionId = JSON.parse(r.text).id || null;
        } catch (e) {
          sessionId = null;
        }
      }
      return r.ok && /"SESSION_STATE_RUNNING"/.test(r.text) ? [] : [r.text.slice(0, 600)];
    });
  } finally {
    for (const { name, child, log, grace } of running.reverse()) {
      const exit = await new Promise((resolve) => {
        if (child.exitCode !== null) return resolve({ code: child.exitCode, seconds: 0 });
        const t0 = Date.now();
        const timer = setTimeout(() => child.kill("SIGKILL"), (grace + 5) * 1000);
        child.on("exit", (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, seconds: (Date.now() - t0) / 1000 });
        });
        child.kill("SIGTERM");
      });
      check(`smoke: ${name} exits 0 on SIGTERM within --shutdown_grace (${exit.seconds.toFixed(2)} s)`, () =>
        exit.code === 0 && exit.seconds <= grace ? [] : [`exit ${exit.code} signal ${exit.signal} after ${exit.seconds} s`, log.text.slice(-800)]);
    }
    if (sessionId) {
      // The pods keep nothing of their own: what they serve is in the database --database names.
      check(`smoke: the session (${sessionId}) is in the database --database_file names once the servers are gone (the shared SQLite file stands in for PostgreSQL)`, () => {
        const files = [databaseFile, `${databaseFile}-wal`].filter((f) => fs.existsSync(f));
        if (!files.length) return [`no ${databaseFile}`];
        return files.some((f) => fs.readFileSync(f).includes(sessionId)) ? [] : [`${files.join(", ")} do not hold the session id`];
      });
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

(async () => {
  if (args.bin_dir && args.buf) await smoke();
  console.log(`manifests: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log(`FAIL ${e.stack || e}`);
  process.exit(1);
});
