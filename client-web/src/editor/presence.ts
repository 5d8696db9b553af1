// Who else is on the open tiles: the tile panel (viewers, who holds the tile's lease, the
// "Work on this tile" button) and the others' selections outlined in their colour on the map.
import Feature from 'ol/Feature';
import type Polygon from 'ol/geom/Polygon';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import type OlMap from 'ol/Map';
import { Stroke, Style } from 'ol/style';
import type { FeatureLayer } from '../features';
import { stateStyle, userColor } from '../styles';
import { h, replace } from '../ui/dom';

export interface Viewer {
  userId: number;
  username: string;
  selected: number[];
}

export interface LeaseInfo {
  userId: number;
  username: string;
  expiresAtMs: number;
}

export interface TilePresence {
  tile: string;
  /** Those listed (the server lists at most 100, those with a selection first). */
  viewers: Viewer[];
  /** All viewers of the tile. */
  viewerCount: number;
  lease: LeaseInfo | null;
}

export interface PresenceHandlers {
  claim(tile: string): void;
  release(tile: string): void;
  tileState(tile: string): string;
}

const timeFmt = new Intl.DateTimeFormat('fr-FR', { timeStyle: 'short' });

export function initials(name: string): string {
  return name.split(/[\s._-]+/).filter(Boolean).map((p) => p.charAt(0)).join('').slice(0, 2).toUpperCase() || '?';
}

export class PresencePanel {
  readonly el: HTMLElement;
  private readonly m_body: HTMLElement;
  private readonly m_title: HTMLElement;
  private readonly m_source = new VectorSource<Feature<Polygon>>();
  private readonly m_tiles = new Map<string, TilePresence>();
  private readonly m_styles = new Map<number, Style>();
  private m_shown: string | null = null;
  private m_me = 0;

  constructor(map: OlMap, private readonly m_features: FeatureLayer, private readonly m_h: PresenceHandlers) {
    map.addLayer(new VectorLayer({ source: this.m_source, zIndex: 39 }));
    this.m_title = h('h2', { class: 'panel-title' }, 'Tile');
    this.m_body = h('div', { class: 'panel-body' });
    this.el = h('section', { id: 'tile-panel', class: 'panel tile-panel', 'aria-label': 'Tile' }, this.m_title, this.m_body);
    this.render();
  }

  set me(userId: number) {
    this.m_me = userId;
    this.render();
    this.redrawSelections();
  }

  get shown(): string | null {
    return this.m_shown;
  }

  get(tile: string): TilePresence | undefined {
    return this.m_tiles.get(tile);
  }

  /** A presence push: who is on the tile and who holds it. */
  update(p: TilePresence): void {
    this.m_tiles.set(p.tile, p);
    if (p.tile === this.m_shown) this.render();
    this.redrawSelections();
  }

  /** The answer to a claim or release: the lease only (its viewer list is not meaningful). */
  updateLease(tile: string, lease: LeaseInfo | null): void {
    const p = this.m_tiles.get(tile) ?? { tile, viewers: [], viewerCount: 0, lease: null };
    p.lease = lease;
    this.m_tiles.set(tile, p);
    if (tile === this.m_shown) this.render();
  }

  holds(tile: string): boolean {
    const l = this.m_tiles.get(tile)?.lease;
    return !!l && !!this.m_me && l.userId === this.m_me;
  }

  /** Tiles whose lease this user holds. */
  held(): string[] {
    return [...this.m_tiles.keys()].filter((k) => this.holds(k));
  }

  drop(tile: string): void {
    this.m_tiles.delete(tile);
    if (this.m_shown === tile) this.show(null);
    this.redrawSelections();
  }

  show(tile: string | null): void {
    this.m_shown = tile;
    this.render();
  }

  render(): void {
    const tile = this.m_shown;
    this.el.dataset.tile = tile ?? '';
    if (!tile) {
      this.m_title.textContent = 'Tile';
      replace(this.m_body, h('p', { class: 'empty' }, 'Open a tile to edit it.'));
      return;
    }
    const p = this.m_tiles.get(tile);
    const state = stateStyle(this.m_h.tileState(tile));
    this.m_title.replaceChildren(`Tile ${tile} `, h('span', { class: 'badge', style: `background:${state.color};color:#fff` }, state.label));
    const viewers = (p?.viewers ?? []).map((v) => {
      const me = v.userId === this.m_me;
      const av = h('span', { class: 'avatar small', title: v.username }, initials(v.username));
      av.style.background = userColor(v.userId);
      return h('li', { class: 'viewer', 'data-user': v.username },
        av, h('span', {}, v.username, me ? h('span', { class: 'muted' }, ' (you)') : null),
        v.selected.length ? h('span', { class: 'muted' }, `${v.selected.length} selected`) : null);
    });
    const unlisted = (p?.viewerCount ?? 0) - (p?.viewers.length ?? 0);
    if (unlisted > 0) viewers.push(h('li', { class: 'viewer muted' }, `and ${unlisted} more`));
    const lease = p?.lease ?? null;
    const mine = this.holds(tile);
    const stateName = this.m_h.tileState(tile);
    const reviewing = stateName === 'in_review';
    const until = lease ? timeFmt.format(new Date(lease.expiresAtMs)) : '';
    const holder = h('p', { id: 'lease-holder', 'data-holder': lease?.username ?? '', 'data-kind': reviewing ? 'review' : 'edit' },
      reviewing && lease ? (mine ? `You are reviewing this tile (review lease until ${until}, renewed as you act).` : `${lease.username} is reviewing this tile.`)
        : lease ? (mine ? `You are working on this tile (until ${until}, renewed as you edit).`
          : `${lease.username} is working on this tile.`) : 'Nobody is working on this tile.');
    const btn = h('button', { type: 'button', id: 'lease-claim', class: mine ? 'btn btn-ghost btn-small' : 'btn btn-primary btn-small' },
      mine ? 'Stop working on it' : 'Work on this tile');
    btn.disabled = !!lease && !mine;
    // Only a tile open for editing is worked on; a review lease is given back from the review panel.
    btn.hidden = !['todo', 'in_progress', 'rejected'].includes(stateName) && !(mine && !reviewing);
    btn.addEventListener('click', () => (mine ? this.m_h.release(tile) : this.m_h.claim(tile)));
    replace(this.m_body,
      h('ul', { class: 'viewers' }, ...(viewers.length ? viewers : [h('li', { class: 'empty' }, 'Only you.')])),
      holder,
      h('div', { class: 'panel-actions' }, btn));
  }

  /** Outlines what the others have selected, in their colour. */
  redrawSelections(): void {
    this.m_source.clear(true);
    const out: Feature<Polygon>[] = [];
    for (const p of this.m_tiles.values()) {
      for (const v of p.viewers) {
        if (v.userId === this.m_me) continue;
        for (const id of v.selected) {
          const f = this.m_features.find(id);
          if (!f) continue;
          const o = new Feature<Polygon>({ geometry: f.getGeometry()! });
          o.setStyle(this.style(v.userId));
          out.push(o);
        }
      }
    }
    if (out.length) this.m_source.addFeatures(out);
    this.m_source.changed();
  }

  private style(userId: number): Style {
    let s = this.m_styles.get(userId);
    if (!s) this.m_styles.set(userId, (s = new Style({ stroke: new Stroke({ color: userColor(userId), width: 3, lineDash: [2, 5] }) })));
    return s;
  }
}
