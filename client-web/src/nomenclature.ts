// The CS (land cover) and US (land use) nomenclatures: labels and map colours by code.
import type { NomenclatureEntry, NomenclatureResponse } from './api';

export type Dimension = 'cs' | 'us';

const FALLBACK_COLOR = '#9e9e9e';

/** Legacy OCS GE codes accepted on import (flagged by QC), and the leaf class that replaced them. */
const LEGACY: Record<string, string> = { US2: 'US235', US3: 'US235', US5: 'US235' };

export interface ClassInfo {
  code: string;
  label: string;
  color: string;
  leaf: boolean;
  known: boolean;
  /** For a legacy code, the code that replaces it. */
  replacedBy?: string;
}

export class Nomenclature {
  private readonly m_entries: Record<Dimension, Map<string, NomenclatureEntry>>;
  private readonly m_colors: Record<Dimension, Map<string, string>>;

  constructor(data: NomenclatureResponse) {
    this.m_entries = { cs: index(data.cs), us: index(data.us) };
    this.m_colors = { cs: colors(data.cs), us: colors(data.us) };
  }

  /** Label, colour and status of a code; unknown codes get a grey swatch and their code as label. */
  info(dim: Dimension, code: string | null | undefined): ClassInfo {
    const c = code ?? '';
    const e = this.m_entries[dim].get(c);
    const replacedBy = LEGACY[c];
    return {
      code: c,
      label: e?.label ?? (c ? 'unknown code' : 'none'),
      color: this.m_colors[dim].get(c) ?? (replacedBy ? this.m_colors[dim].get(replacedBy) : undefined) ?? FALLBACK_COLOR,
      leaf: (e?.leaf ?? false) && !replacedBy,
      known: e !== undefined,
      replacedBy,
    };
  }

  /** The leaf classes of a dimension (what a polygon may carry), in code order. Legacy codes excluded. */
  leaves(dim: Dimension): ClassInfo[] {
    return [...this.m_entries[dim].values()]
      .filter((e) => e.leaf && !LEGACY[e.code])
      .sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }))
      .map((e) => this.info(dim, e.code));
  }

  isLeaf(dim: Dimension, code: string): boolean {
    return this.info(dim, code).leaf;
  }

  label(dim: Dimension, code: string | null | undefined): string {
    return this.info(dim, code).label;
  }

  color(dim: Dimension, code: string | null | undefined): string {
    return this.info(dim, code).color;
  }
}

function index(list: NomenclatureEntry[]): Map<string, NomenclatureEntry> {
  return new Map((list ?? []).map((e) => [e.code, e]));
}

/**
 * Only leaf classes carry a colour in the official tables. A non-leaf code (e.g. a legacy US2
 * accepted on import) takes the colour of its first coloured descendant, so it still reads
 * as the right family on the map.
 */
function colors(list: NomenclatureEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  const sorted = [...(list ?? [])].sort((a, b) => b.level - a.level); // deepest first
  for (const e of sorted) {
    if (/^#[0-9a-f]{6}$/i.test(e.color ?? '')) out.set(e.code, e.color);
  }
  for (const e of sorted) {
    const c = out.get(e.code);
    if (c && e.parent && !out.has(e.parent)) out.set(e.parent, c);
  }
  return out;
}

/** Colour with alpha as an rgba() string, for OpenLayers fills. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return `rgba(158,158,158,${alpha})`;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`;
}

/** A darker shade of a colour, for polygon outlines. */
export function darker(hex: string, factor = 0.6): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '#555555';
  const d = (s: string) => Math.round(parseInt(s, 16) * factor).toString(16).padStart(2, '0');
  return `#${d(m[1])}${d(m[2])}${d(m[3])}`;
}
