/**
 * The project's typedoc plugin (typedoc.json "plugin"), two small things:
 *
 * 1. Each entry point is named by its import specifier (`enterprise-activation/simulator`), not by
 *    its file (`simulator`, and `index` for the root), since that is what a user types. Done here
 *    rather than with `@module` tags in src/, which api-extractor's TSDoc parser does not know.
 * 2. It warns about every property or accessor of an exported class or interface of this package
 *    that has no doc comment. Why not typedoc's own `requiredToBeDocumented: ["Property"]`: that
 *    also demands a comment on every member of an anonymous type literal (each arm of a union of
 *    inputs, each field of a method's inline return type), which is noise in the source and in the
 *    reference. A named interface's or a class's property is what a user looks up, so that is what
 *    must be documented. With treatWarningsAsErrors, each warning fails `npm run docs` and
 *    test/package/api-docs.test.ts.
 */
import { Application, Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const pkg = context.project.packageName ?? context.project.name;
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      // Only the entry points: with several of them, each is a module directly under the project.
      if (module.parent !== context.project) continue;
      module.name = module.name === 'index' ? pkg : `${pkg}/${module.name}`;
    }
  });

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    if (!app.options.getValue('validation').notDocumented) return;
    const members = project.getReflectionsByKind(ReflectionKind.Property | ReflectionKind.Accessor);
    for (const member of members) {
      if (!member.parent?.kindOf(ReflectionKind.Class | ReflectionKind.Interface)) continue;
      if (member.flags.isPrivate || member.flags.isProtected) continue;
      // Members inherited from outside the package (Error's `message`, `stack`) are not ours to document.
      const symbolId = project.getSymbolIdFromReflection(member);
      if (!symbolId || symbolId.packageName !== project.packageName) continue;
      const documented = member.hasComment() || member.getSignature?.hasComment() || member.setSignature?.hasComment();
      if (!documented) {
        app.logger.warn(`${member.getFriendlyFullName()} (${ReflectionKind[member.kind]}) does not have any documentation`);
      }
    }
  });
}
