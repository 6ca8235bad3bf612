// Load from an OCPP client that is not ours: ocpp-rpc in strict mode validates every call we
// send and every answer the server gives against the OCPP 1.6 / 2.0.1 JSON schemas.
// Run by bench/independent.py:  node load.js '<json options>'  -> one JSON object on stdout.
'use strict';
const { RPCClient } = require('ocpp-rpc');

const opts = JSON.parse(process.argv[2]);
const now = () => new Date().toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const latencies = {};
const errors = {};
let messages = 0;
let measuring = false;

function record(action, ms) {
  if (!measuring) return;
  (latencies[action] ||= []).push(ms);
  messages += 1;
}

function fail(kind) {
  errors[kind] = (errors[kind] || 0) + 1;
}

class Station {
  constructor(index) {
    this.id = `${opts.prefix}-${String(index).padStart(5, '0')}`;
    this.v16 = opts.versions[index % opts.versions.length] === '1.6';
    this.register = 0;
    this.seqNo = 0;
    this.tx = null;
    this.card = `CARD${this.id.slice(-5)}`;
    this.client = new RPCClient({
      endpoint: opts.url,
      identity: this.id,
      protocols: [this.v16 ? 'ocpp1.6' : 'ocpp2.0.1'],
      strictMode: true,
      reconnect: false,
      callTimeoutMs: 60000,
      pingIntervalMs: 3600000,
    });
  }

  async call(action, payload) {
    const began = performance.now();
    const answer = await this.client.call(action, payload);
    record(action, performance.now() - began);
    return answer;
  }

  async boot(deadline) {
    const payload = this.v16
      ? { chargePointVendor: 'ocpp-rpc', chargePointModel: 'bench' }
      : { reason: 'PowerUp', chargingStation: { vendorName: 'ocpp-rpc', model: 'bench' } };
    while (Date.now() < deadline) {
      const answer = await this.client.call('BootNotification', payload);
      if (answer.status === 'Accepted') return;
      await sleep(Math.min(answer.interval || 1, 5) * 1000);
    }
    throw new Error('boot not accepted');
  }

  event(kind, trigger, extra) {
    const event = {
      eventType: kind, timestamp: now(), triggerReason: trigger, seqNo: this.seqNo++,
      transactionInfo: { transactionId: this.tx }, evse: { id: 1, connectorId: 1 },
    };
    return Object.assign(event, extra);
  }

  sample(context) {
    const value = { value: this.v16 ? String(this.register) : this.register };
    if (context) value.context = context;
    else value.measurand = 'Energy.Active.Import.Register';
    return { timestamp: now(), sampledValue: [value] };
  }

  async authorize() {
    await this.call('Authorize', this.v16
      ? { idTag: this.card } : { idToken: { idToken: this.card, type: 'ISO14443' } });
  }

  async start() {
    if (this.v16) {
      const answer = await this.call('StartTransaction',
        { connectorId: 1, idTag: this.card, meterStart: this.register, timestamp: now() });
      this.tx = answer.transactionId;
      return;
    }
    this.tx = `${this.id}-${Date.now()}-${this.seqNo}`;
    await this.call('TransactionEvent', this.event('Started', 'Authorized', {
      idToken: { idToken: this.card, type: 'ISO14443' },
      meterValue: [this.sample('Transaction.Begin')],
    }));
  }

  async meterValue() {
    this.register += 250;
    if (this.v16) {
      await this.call('MeterValues',
        { connectorId: 1, transactionId: this.tx, meterValue: [this.sample()] });
    } else {
      await this.call('TransactionEvent',
        this.event('Updated', 'MeterValuePeriodic', { meterValue: [this.sample()] }));
    }
  }

  async stop() {
    if (this.v16) {
      await this.call('StopTransaction',
        { transactionId: this.tx, meterStop: this.register, timestamp: now(), reason: 'Local' });
    } else {
      await this.call('TransactionEvent',
        this.event('Ended', 'StopAuthorized', { meterValue: [this.sample('Transaction.End')] }));
    }
    this.tx = null;
  }
}

async function loop(station, until, paceMs) {
  let next = performance.now() + (paceMs ? Math.random() * paceMs : 0);
  const paced = async () => {
    if (!paceMs) return;
    const delay = next - performance.now();
    if (delay > 0) await sleep(delay);
    next += paceMs;
  };
  while (Date.now() < until) {
    await paced(); await station.authorize();
    await paced(); await station.start();
    for (let i = 0; i < opts.meterValues && Date.now() < until; i++) {
      await paced(); await station.meterValue();
    }
    await paced(); await station.stop();
  }
}

function percentiles(values) {
  const data = [...values].sort((a, b) => a - b);
  if (!data.length) return { n: 0 };
  const pick = (q) => Math.round(data[Math.min(data.length - 1, Math.floor(q * data.length))] * 1000) / 1000;
  return { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), max: pick(1), n: data.length };
}

async function main() {
  const fleet = Array.from({ length: opts.stations }, (_, i) => new Station(i));
  const rampGap = 1000 / opts.rampPerS;
  const bootDeadline = Date.now() + opts.bootTimeoutS * 1000;
  const booted = fleet.map(async (station, i) => {
    await sleep(i * rampGap);
    try {
      await station.client.connect();
      await station.boot(bootDeadline);
      return station;
    } catch (err) {
      fail(`connect: ${err.message}`);
      return null;
    }
  });
  const ready = (await Promise.all(booted)).filter(Boolean);
  measuring = true;
  const began = Date.now();
  const until = began + opts.durationS * 1000;
  const paceMs = opts.mode === 'open' ? (ready.length / opts.rate) * 1000 : null;
  await Promise.all(ready.map((s) => loop(s, until, paceMs).catch((err) => {
    fail(`${err.name}: ${err.message}`.slice(0, 120));
  })));
  const elapsedS = (Date.now() - began) / 1000;
  measuring = false;
  const byAction = {};
  for (const [action, values] of Object.entries(latencies)) byAction[action] = percentiles(values);
  const all = Object.values(latencies).flat();
  process.stdout.write(JSON.stringify({
    client: 'ocpp-rpc 2.2.1 (strictMode)', connected: ready.length, messages,
    messages_per_s: Math.round((messages / elapsedS) * 10) / 10, elapsed_s: elapsedS,
    latency_ms: byAction, all_latency_ms: percentiles(all), errors,
  }) + '\n');
  await Promise.all(ready.map((s) => s.client.close({ force: true }).catch(() => {})));
  process.exit(0);
}

main().catch((err) => { console.error(err); process.exit(1); });
