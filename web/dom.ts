/** A tiny element builder: h('button.primary', { onclick }, 'Like'). */
type Child = Node | string | number | null | undefined | false;
type Props = Partial<Record<string, unknown>> & { dataset?: Record<string, string> };

type Tags = HTMLElementTagNameMap;
export function h<K extends keyof Tags>(tag: K, props?: Props, ...children: Child[]): Tags[K];
export function h<K extends keyof Tags>(tag: `${K}.${string}`, props?: Props, ...children: Child[]): Tags[K];
export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const [name, ...classes] = tag.split('.');
  const element = document.createElement(name!);
  if (classes.length > 0) element.className = classes.join(' ');
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'class') element.className += ` ${String(value)}`;
    else if (key in element) (element as unknown as Record<string, unknown>)[key] = value;
    else element.setAttribute(key, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows. */
export function show(parent: HTMLElement, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A short notice at the bottom of the screen. */
export function toast(text: string, kind: 'info' | 'error' = 'info'): void {
  const note = h('div.toast', { class: kind, role: 'status' }, text);
  document.body.appendChild(note);
  setTimeout(() => note.remove(), 4000);
}

export function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?';
}

/** A colour of its own for each name, for avatars. */
export function hue(text: string): number {
  let sum = 0;
  for (const ch of text) sum = (sum * 31 + ch.charCodeAt(0)) % 360;
  return sum;
}

export function avatar(name: string, size: 'small' | 'large' = 'small'): HTMLElement {
  return h('div.avatar', { class: size, style: `--hue:${hue(name)}` }, initials(name));
}

export function timeOf(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
