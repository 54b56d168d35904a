import { describe, expect, it } from 'vitest';
import { deriveAws } from '../../../ingest/aws/derive/index.js';
import { loadCatalog } from '../../../ingest/aws/policy/index.js';
import { plantedSnapshot } from '../../fixtures/aws/planted.js';

describe('deriveAws on the planted estate (pure)', () => {
  it('prints', async () => {
    const catalog = await loadCatalog();
    const t0 = Date.now();
    const out = deriveAws(plantedSnapshot(), catalog, new Date('2026-12-03T00:00:00Z'));
    console.log('ms', Date.now() - t0, out.stats);
    const short = (s: string) => s.replace(/arn:aws:iam::(\d{4})\d+:(\w+)\//, '$1:$2/');
    for (const e of out.edges.filter((e) => e.type !== 'CAN_ACCESS'))
      console.log(
        e.type,
        short(e.source),
        '->',
        short(e.target),
        e.props.technique,
        e.props.conditional ? 'COND' : '',
        e.props.via ? `via ${short(String(e.props.via))}` : '',
      );
    for (const t of out.tierZero) console.log('T0', short(t.id), t.reason);
    expect(out.edges.length).toBeGreaterThan(0);
  });
});
