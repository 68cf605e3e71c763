// Charts drawn with uPlot (bundled at build time). Every chart also has its numbers in text next to
// it (a table or a list), so nothing depends on seeing the canvas.
import uPlot from 'uplot';
import { h } from './dom.js';
import { levels } from './words.js';

const ink = '#1f2a2e';
const grid = '#dfe5e4';
const font = '13px system-ui, sans-serif';
// Tick steps of the day axis: whole days only.
const wholeDays = [1, 2, 7, 14, 28];
const colours = { episodes: '#2f5d62', fitted: '#5b8c85', pain: '#b5542d', level: '#6b4fa0', bar: '#5b8c85' };

function widthOf(container) {
  return Math.max(260, Math.floor(container.getBoundingClientRect().width));
}

/** Keeps a chart as wide as its container when the window (or phone) turns. */
function followWidth(chart, container) {
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => chart.setSize({ width: widthOf(container), height: chart.height }));
  });
}

/** Horizontal bars of shares (0..1), one per key; labels on the left, percent along the bottom. */
export function shareBars(container, rows, labelOf) {
  const n = rows.length;
  const xs = rows.map((_, i) => i);
  const shares = rows.map((row) => Math.round((row.share ?? 0) * 1000) / 10);
  const opts = {
    width: widthOf(container),
    height: 34 * n + 46,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, ori: 1, dir: -1, range: [-0.5, n - 0.5] },
      y: { ori: 0, range: [0, 100] },
    },
    axes: [
      {
        side: 3,
        size: 128,
        font,
        stroke: ink,
        grid: { show: false },
        ticks: { show: false },
        splits: () => xs,
        values: (_, splits) => splits.map((i) => (Number.isInteger(i) && rows[i] ? labelOf(rows[i].key) : '')),
      },
      {
        side: 2,
        font,
        stroke: ink,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid },
        splits: () => [0, 25, 50, 75, 100],
        values: (_, splits) => splits.map((v) => `${v}%`),
      },
    ],
    series: [
      {},
      {
        label: 'Reports with discomfort',
        fill: colours.bar,
        stroke: colours.episodes,
        width: 1,
        paths: uPlot.paths.bars({ size: [0.6, 26] }),
        points: { show: false },
      },
    ],
  };
  const chart = new uPlot(opts, [xs, shares], container);
  followWidth(chart, container);
  return chart;
}

/**
 * Where a day's values are drawn: the middle of that day (day 0 = the first 24 hours), so they sit
 * on the same time axis as the fitted course, which is drawn at its exact hours.
 */
function middleOf(day) {
  return day + 0.5;
}

/**
 * The days-since-the-massage range both course charts share: from 0 to the last day drawn (a
 * report's day, or the fitted course's end), at least 3 so that a first report does not fill the
 * whole width.
 */
export function courseRange(course, fit) {
  const ends = [...course.map((point) => middleOf(point.day)), ...(fit?.curve ?? []).map(([hours]) => hours / 24)];
  return [0, Math.max(3, Math.ceil(Math.max(0, ...ends)))];
}

/**
 * Twitching episodes per day (left axis) and pain 0-10 (right axis) over days since the massage,
 * with the fitted course of the episodes (`fit.curve`, [hours, episodes per day]) when there is one.
 * The episodes axis is scaled to what was reported: a fit may start far above the first report.
 */
export function courseChart(container, course, fit, range) {
  const curve = new Map((fit?.curve ?? []).map(([hours, value]) => [hours / 24, value]));
  const byX = new Map(course.map((point) => [middleOf(point.day), point]));
  const xs = [...new Set([...byX.keys(), ...curve.keys()])].sort((a, b) => a - b);
  const numberAt = (x, field) => (typeof byX.get(x)?.[field] === 'number' ? byX.get(x)[field] : null);
  const episodes = xs.map((x) => numberAt(x, 'episodes_per_day'));
  const pain = xs.map((x) => numberAt(x, 'pain_0_10'));
  const fitted = xs.map((x) => curve.get(x) ?? null);
  const reportedTop = Math.max(0, ...episodes.filter((value) => value !== null));
  const chart = new uPlot(
    {
      width: widthOf(container),
      height: 220,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: {
        x: { time: false, range },
        episodes: { range: [0, Math.max(4, Math.ceil(reportedTop * 1.15))] },
        pain: { range: [0, 10] },
      },
      axes: [
        { font, stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, incrs: wholeDays, label: 'Days since the massage', labelFont: font, labelSize: 22 },
        { scale: 'episodes', font, stroke: colours.episodes, grid: { stroke: grid }, ticks: { stroke: grid }, size: 40 },
        { scale: 'pain', side: 1, font, stroke: colours.pain, grid: { show: false }, ticks: { stroke: grid }, size: 36, splits: () => [0, 2, 4, 6, 8, 10] },
      ],
      series: [
        { label: 'Day', value: (_, v) => (v == null ? '–' : `day ${Math.floor(v)}`) },
        { label: 'Episodes per day', scale: 'episodes', stroke: colours.episodes, width: 2, points: { size: 7, fill: colours.episodes }, spanGaps: true },
        { label: 'Pain (0–10)', scale: 'pain', stroke: colours.pain, width: 2, dash: [6, 4], points: { size: 7, fill: colours.pain }, spanGaps: true },
        { label: 'Fitted course', scale: 'episodes', stroke: colours.fitted, width: 2, dash: [2, 4], points: { show: false }, spanGaps: true, show: curve.size > 0 },
      ],
    },
    [xs, episodes, pain, fitted],
    container,
  );
  followWidth(chart, container);
  return chart;
}

/** The level of each report as a step over days since the massage (0 normal .. 3 urgent). */
export function levelChart(container, course, range) {
  const days = course.map((point) => middleOf(point.day));
  const ranks = course.map((point) => levels[point.level]?.rank ?? null);
  const names = ['Normal', 'Tell', 'Doctor', 'Urgent'];
  const chart = new uPlot(
    {
      width: widthOf(container),
      height: 180,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: {
        x: { time: false, range },
        y: { range: [-0.3, 3.3] },
      },
      axes: [
        { font, stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, incrs: wholeDays, label: 'Days since the massage', labelFont: font, labelSize: 22 },
        {
          font,
          stroke: ink,
          size: 64,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          splits: () => [0, 1, 2, 3],
          values: (_, splits) => splits.map((v) => names[v] ?? ''),
        },
      ],
      series: [
        { label: 'Day', value: (_, v) => (v == null ? '–' : `day ${Math.floor(v)}`) },
        {
          label: 'Level of each report',
          stroke: colours.level,
          width: 2,
          paths: uPlot.paths.stepped({ align: 1 }),
          points: { size: 9, fill: colours.level },
          value: (_, v) => (v == null ? '–' : names[v]),
        },
      ],
    },
    [days, ranks],
    container,
  );
  followWidth(chart, container);
  return chart;
}

/** A caption element for a canvas chart (the canvas itself is hidden from screen readers). */
export function chartFigure(title, description) {
  const plot = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const figure = h('figure', { class: 'chart-figure' }, h('figcaption', {}, h('strong', {}, title), description ? ` ${description}` : ''), plot);
  return { figure, plot };
}
