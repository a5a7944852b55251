import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Family } from './exposition.ts';

test('a family renders HELP, TYPE and its samples in the text format, labels escaped and in order', () => {
  const f = new Family({ name: 'x_info', help: 'Help with a \\ and\na newline.', type: 'gauge', labelNames: ['b', 'a'] });
  assert.equal(f.render(), '', 'no samples: nothing, not even HELP');
  f.set({ a: '1', b: 'quote " back \\ nl \n' }, 1);
  f.set({ a: '2', b: '' }, 0.25);
  f.set({ a: '3', b: 'x' }, Number.NaN);
  assert.equal(
    f.render(),
    '# HELP x_info Help with a \\\\ and\\na newline.\n# TYPE x_info gauge\n'
      + 'x_info{b="quote \\" back \\\\ nl \\n",a="1"} 1\n'
      + 'x_info{b="",a="2"} 0.25\n'
      + 'x_info{b="x",a="3"} NaN\n',
  );
  f.reset();
  assert.equal(f.render(), '');
  const bare = new Family({ name: 'y_total', help: 'h', type: 'counter', labelNames: [] });
  bare.set({}, 3);
  assert.equal(bare.render(), '# HELP y_total h\n# TYPE y_total counter\ny_total 3\n');
});
