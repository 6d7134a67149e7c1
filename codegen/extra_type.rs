// Part of codegen/generate.rs (its `extra_type` module; the same rules apply: no
// files, no printing, only syn and quote, and of syn only the `full` and `parsing`
// features the crate declares).
//
// The types codegen/unknown_keys.rs rewrote keep their unknown keys in `extra`,
// which typify types `::serde_json::Map<String, Value>`. This makes it `crate::Extra`
// (src/extra.rs: the same map, filled when first read) in each such struct and in its
// builder (`builder::X`'s field and the bound of its `extra` setter, which takes a
// map as before through `From`). Nothing else changes type: a `Map` elsewhere (a
// free-form object the spec declares) stays one.

use std::collections::BTreeSet;

use quote::quote;

/// Retypes `extra` in the structs named in `rewritten` and their builders, in every
/// module of `items`. Returns how many places changed.
pub fn retype_extra(items: &mut [syn::Item], rewritten: &BTreeSet<String>) -> usize {
    let mut changed = 0;
    for item in items {
        match item {
            syn::Item::Struct(item) if rewritten.contains(&item.ident.to_string()) => {
                for field in &mut item.fields {
                    if field.ident.as_ref().is_some_and(|i| i == "extra") {
                        changed += usize::from(retype(&mut field.ty));
                    }
                }
            }
            syn::Item::Impl(item)
                if item.trait_.is_none() && names_one_of(&item.self_ty, rewritten) =>
            {
                for member in &mut item.items {
                    if let syn::ImplItem::Fn(setter) = member
                        && setter.sig.ident == "extra"
                        && let Some(clause) = &mut setter.sig.generics.where_clause
                    {
                        for predicate in &mut clause.predicates {
                            if let syn::WherePredicate::Type(predicate) = predicate {
                                for bound in &mut predicate.bounds {
                                    if let syn::TypeParamBound::Trait(bound) = bound {
                                        changed += usize::from(retype_path(&mut bound.path));
                                    }
                                }
                            }
                        }
                    }
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, inner)) = &mut module.content {
                    changed += retype_extra(inner, rewritten);
                }
            }
            _ => {}
        }
    }
    changed
}

fn names_one_of(ty: &syn::Type, names: &BTreeSet<String>) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.arguments.is_none() && names.contains(&s.ident.to_string())),
        _ => false,
    }
}

/// Replaces `::serde_json::Map<…>` in `ty` (itself, or a generic argument at any depth).
fn retype(ty: &mut syn::Type) -> bool {
    if super::unknown_keys::is_json_map(ty) {
        // A path (prettyplease does not print a `Type::Verbatim`); it parses.
        return syn::parse2(quote!(crate::Extra))
            .map(|extra| *ty = extra)
            .is_ok();
    }
    match ty {
        syn::Type::Path(path) => retype_path(&mut path.path),
        _ => false,
    }
}

fn retype_path(path: &mut syn::Path) -> bool {
    let mut changed = false;
    for segment in &mut path.segments {
        if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
            for arg in &mut args.args {
                if let syn::GenericArgument::Type(ty) = arg {
                    changed |= retype(ty);
                }
            }
        }
    }
    changed
}
