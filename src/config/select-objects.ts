import { closestMatch } from './closest-match';
import { configMessages as m } from './config-messages';
import { ObjectSelectionError, UnknownObjectName } from './object-selection-error';
import { ObjectConfig, SfetlConfig } from './sfetl-config';

/**
 * The objects `--object` names (case-insensitively, as Salesforce treats API names), in load order and
 * each once; every configured object when none is named.
 *
 * @throws ObjectSelectionError naming every unknown name, each with its closest configured object
 */
export function selectObjects(config: SfetlConfig, names: readonly string[]): ObjectConfig[] {
  if (names.length === 0) return [...config.objects];
  const available = config.objects.map((o) => o.name);
  const wanted = new Set<ObjectConfig>();
  const unknown: UnknownObjectName[] = [];
  for (const name of names) {
    const object = config.objects.find((o) => o.name.toLowerCase() === name.toLowerCase());
    if (object !== undefined) wanted.add(object);
    else unknown.push({ name, suggestion: closestMatch(name, available) });
  }
  if (unknown.length > 0) throw new ObjectSelectionError(m.objectUnknown(unknown, available), unknown, available);
  // config.objects is in load order; keep that order whatever order the flags came in.
  return config.objects.filter((o) => wanted.has(o));
}
