//! Spark SQL habits in a DataFusion session.
//!
//! Glow's users write Spark SQL. DataFusion's dialect is close, but a few
//! habits of a Glow notebook fail or, worse, answer something else:
//!
//! - Spark's own functions (`size`, `sha2`, `crc32`, `xxhash64`, `if`, ...)
//!   come from the `datafusion-spark` crate. A Spark function is added only
//!   where the name is free: where DataFusion already has a function of that
//!   name (`concat`, `abs`, `round`, `avg`, `length`, ...), DataFusion's
//!   stays, so no query that works today changes its answer
//!   ([`register_spark_functions`] returns the names it left out).
//! - `explode`, `explode_outer`, `posexplode` and `posexplode_outer` in a
//!   SELECT list become DataFusion's `unnest` (an analyzer rule rewrites the plan).
//! - `element_at(array, n)` counts from 1 and from the end for negative `n`,
//!   as in Spark; `element_at(map, key)` gives the value.
//! - Arrays are indexed from 1 in DataFusion (`genotypes[1]` is the first
//!   sample) and from 0 in Spark. DataFusion answers NULL for `x[0]`, which
//!   would turn a Spark habit into silently missing data: here an index 0
//!   is an error that says so, at planning time for a constant index and at
//!   run time for a computed one.
//! - `genotypes[1].calls` (a field after an index) is rewritten to
//!   `genotypes[1]['calls']` before planning, by [`run_statements`]
//!   (DataFusion's planner rejects a dot after an index).
//!
//! [`run_statements`]: crate::run_statements

pub(crate) mod generator;
pub(crate) mod index;
pub(crate) mod syntax;

use std::sync::Arc;

use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::execution::registry::FunctionRegistry;

use crate::error::Result;

/// Registers the Spark habits of this module into `state`.
pub(crate) fn register(state: &mut SessionState) -> Result<()> {
    // The index planner must see `x[i]` before DataFusion's own field-access
    // planner does, and `explode` must become an unnest before type
    // coercion; a live session only appends, so both are put first by
    // rebuilding the state around them. The rebuild comes before any
    // function is registered: it registers every function again, in hash
    // order, name and aliases, so DataFusion's `map_extract` (whose alias is
    // `element_at`) could otherwise take `element_at` back from Spark's.
    let mut builder = SessionStateBuilder::new_from_existing(state.clone());
    builder
        .expr_planners()
        .get_or_insert_with(Vec::new)
        .insert(0, Arc::new(index::IndexPlanner));
    if let Some(analyzer) = builder.analyzer().as_mut() {
        analyzer
            .rules
            .insert(0, Arc::new(generator::ExpandGenerators));
    }
    *state = builder.build();
    register_spark_functions(state)?;
    for udf in [
        index::checked_array_element(),
        index::element_at(),
        generator::explode(),
        generator::explode_outer(),
        generator::posexplode(),
        generator::posexplode_outer(),
    ] {
        state.register_udf(Arc::new(udf))?;
    }
    Ok(())
}

/// Adds `datafusion-spark`'s scalar and aggregate functions whose name and
/// aliases are all free in `state`, and returns the names of those left out
/// because DataFusion (or genolake) already answers to one of them, sorted.
///
/// Left out means the existing function keeps its meaning: `concat` still
/// returns NULL-skipping DataFusion `concat`, `avg` stays DataFusion's.
pub fn register_spark_functions(state: &mut SessionState) -> Result<Vec<String>> {
    let mut left_out = Vec::new();
    for udf in datafusion_spark::all_default_scalar_functions() {
        if name_taken(udf.name(), udf.aliases(), |n| {
            state.scalar_functions().contains_key(n) || state.aggregate_functions().contains_key(n)
        }) {
            left_out.push(udf.name().to_string());
        } else {
            state.register_udf(udf)?;
        }
    }
    for udaf in datafusion_spark::all_default_aggregate_functions() {
        if name_taken(udaf.name(), udaf.aliases(), |n| {
            state.scalar_functions().contains_key(n) || state.aggregate_functions().contains_key(n)
        }) {
            left_out.push(udaf.name().to_string());
        } else {
            state.register_udaf(udaf)?;
        }
    }
    left_out.sort();
    Ok(left_out)
}

fn name_taken(name: &str, aliases: &[String], taken: impl Fn(&str) -> bool) -> bool {
    std::iter::once(name)
        .chain(aliases.iter().map(String::as_str))
        .any(|n| taken(n) || taken(&n.to_ascii_lowercase()))
}
