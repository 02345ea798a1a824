const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A setting of host names separated by commas, lower-cased; a problem under `name` when it holds none or a malformed one. */
export function hostNameList(name: string, value: string, problems: string[]): readonly string[] {
  const hosts = value.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const bad = hosts.filter((h) => !HOST_NAME.test(h));
  if (hosts.length === 0 || bad.length > 0) problems.push(`${name}: host names separated by commas${bad.length > 0 ? `, not ${bad.join(', ')}` : ''}`);
  return hosts;
}
