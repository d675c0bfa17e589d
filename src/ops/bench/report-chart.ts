// chart.svg: a grouped bar chart written as SVG text, no dependency. Top panel: throughput of each
// endpoint relative to direct (labelled with the absolute ops/s; dashed line = target). Bottom
// panel: p99 latency on a log scale, with p50 as a tick on each bar.

import type { BenchResults } from './bench-results.js';

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];
const BAR = 16;
const GROUP_GAP = 28;
const LEFT = 64;
const RIGHT = 24;
const TOP_PANEL = { y: 50, h: 220 };
const BOTTOM_PANEL = { y: 350, h: 180 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function short(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function renderChart(results: BenchResults): string {
  const endpoints = results.endpoints.map((e) => e.name);
  const colour = (name: string) => COLOURS[endpoints.indexOf(name) % COLOURS.length]!;
  const scenarios = results.scenarios;
  const groupWidth = endpoints.length * BAR + GROUP_GAP;
  const width = Math.max(720, LEFT + RIGHT + scenarios.length * groupWidth);
  const height = BOTTOM_PANEL.y + BOTTOM_PANEL.h + 90;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">slotway bench — ${esc(results.startedAt)} (${results.machine.cpus} cores, medians of ${results.settings.rounds} round(s))</text>`,
  ];

  // Top panel: ratio to direct.
  const maxRatio = Math.max(
    1.2,
    ...scenarios.flatMap((s) => s.endpoints.map((e) => (Number.isFinite(e.ratio) ? e.ratio : 0))),
  );
  const yRatio = (r: number) => TOP_PANEL.y + TOP_PANEL.h - (r / maxRatio) * TOP_PANEL.h;
  out.push(
    `<text x="${LEFT}" y="${TOP_PANEL.y - 12}" font-size="12">Throughput relative to direct (bar label: ops/s; dashed: target)</text>`,
  );
  for (let r = 0; r <= maxRatio + 1e-9; r += 0.25) {
    const y = yRatio(r).toFixed(1);
    out.push(
      `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y}" y2="${y}" stroke="${r === 1 ? '#999' : '#e5e5e5'}"/>`,
      `<text x="${LEFT - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${r.toFixed(2)}</text>`,
    );
  }
  scenarios.forEach((s, g) => {
    const x0 = LEFT + GROUP_GAP / 2 + g * groupWidth;
    for (const e of s.endpoints) {
      const ratio = Number.isFinite(e.ratio) ? e.ratio : 0;
      const x = x0 + endpoints.indexOf(e.endpoint) * BAR;
      const y = yRatio(ratio);
      const h = TOP_PANEL.y + TOP_PANEL.h - y;
      out.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${BAR - 2}" height="${h.toFixed(1)}" fill="${colour(e.endpoint)}"><title>${esc(`${s.id} ${e.endpoint}: ${short(e.opsPerSec)} ops/s, ${e.ratio.toFixed(2)} x direct`)}</title></rect>`,
        `<text transform="translate(${x + BAR / 2 + 3},${(y - 4).toFixed(1)}) rotate(-90)" font-size="9">${short(e.opsPerSec)}</text>`,
      );
    }
    if (s.target.kind === 'ratio') {
      const y = yRatio(s.target.min).toFixed(1);
      out.push(
        `<line x1="${x0 - 4}" x2="${x0 + endpoints.length * BAR + 2}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="4 3" stroke-width="1.5"/>`,
      );
    }
    out.push(
      `<text transform="translate(${x0 + (endpoints.length * BAR) / 2},${TOP_PANEL.y + TOP_PANEL.h + 14}) rotate(-25)" text-anchor="end">${esc(s.id)}</text>`,
    );
  });

  // Bottom panel: p99 latency, log scale.
  const latencies = scenarios.flatMap((s) => s.endpoints.flatMap((e) => [e.p50Ms, e.p99Ms]));
  const finite = latencies.filter((l) => Number.isFinite(l) && l > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(0.1, ...finite)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, ...finite)));
  const yLat = (ms: number) => {
    const v = Math.min(hi, Math.max(lo, ms));
    return BOTTOM_PANEL.y + BOTTOM_PANEL.h - (Math.log10(v / lo) / Math.log10(hi / lo)) * BOTTOM_PANEL.h;
  };
  out.push(
    `<text x="${LEFT}" y="${BOTTOM_PANEL.y - 12}" font-size="12">Latency in ms, log scale (bar: p99; black tick: p50)</text>`,
  );
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    const y = yLat(v).toFixed(1);
    out.push(
      `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${LEFT - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${v >= 1 ? v.toFixed(0) : String(Number(v.toPrecision(1)))}</text>`,
    );
  }
  scenarios.forEach((s, g) => {
    const x0 = LEFT + GROUP_GAP / 2 + g * groupWidth;
    for (const e of s.endpoints) {
      if (!Number.isFinite(e.p99Ms)) continue;
      const x = x0 + endpoints.indexOf(e.endpoint) * BAR;
      const y = yLat(e.p99Ms);
      const y50 = yLat(e.p50Ms).toFixed(1);
      out.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${BAR - 2}" height="${(BOTTOM_PANEL.y + BOTTOM_PANEL.h - y).toFixed(1)}" fill="${colour(e.endpoint)}" fill-opacity="0.85"><title>${esc(`${s.id} ${e.endpoint}: p50 ${e.p50Ms.toFixed(3)} ms, p99 ${e.p99Ms.toFixed(3)} ms`)}</title></rect>`,
        `<line x1="${x}" x2="${x + BAR - 2}" y1="${y50}" y2="${y50}" stroke="#000" stroke-width="2"/>`,
      );
    }
    out.push(
      `<text transform="translate(${x0 + (endpoints.length * BAR) / 2},${BOTTOM_PANEL.y + BOTTOM_PANEL.h + 14}) rotate(-25)" text-anchor="end">${esc(s.id)}</text>`,
    );
  });

  // Legend.
  const legendY = height - 20;
  endpoints.forEach((name, i) => {
    const x = LEFT + i * 140;
    out.push(
      `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${colour(name)}"/>`,
      `<text x="${x + 18}" y="${legendY}">${esc(name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
