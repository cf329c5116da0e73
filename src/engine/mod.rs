//! The rule engine. Rule packs (YAML under `rules/`, validated by `schemas/rule.schema.json`)
//! declare document kinds and rules; this module loads them once (`load`), keeps them compiled
//! (`ruleset`), and evaluates them per document (`eval`) with paths (`path`) and three-valued
//! predicates (`predicate`).

pub mod builtin;
pub mod eval;
pub mod load;
pub mod path;
pub mod predicate;
pub mod ruleset;
