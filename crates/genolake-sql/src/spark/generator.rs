//! Spark's generators in a SELECT list: `explode`, `explode_outer`,
//! `posexplode`, `posexplode_outer`.
//!
//! DataFusion's SQL planner turns `unnest(x)` into an `Unnest` plan while it
//! plans the SELECT list, and knows no other name for it. The generators are
//! registered as scalar functions so that a query naming them plans, and
//! [`ExpandGenerators`], an analyzer rule that runs before type coercion,
//! replaces the projection holding one by
//!
//! ```text
//! Projection: <other items>, __genolake_values AS col       (AS <alias>)
//!   Unnest: __genolake_values (, __genolake_positions)
//!     Projection: <columns the other items use>, x AS __genolake_values
//!                 (, range(0, size(x), 1) AS __genolake_positions)
//! ```
//!
//! As in Spark, `explode(x)` gives one row per element in a column named
//! `col` (or its alias) and drops rows whose array is NULL or empty;
//! `posexplode(x)` adds the element's 0-based position in a column `pos`
//! before `col`; the `_outer` forms keep such rows as one row of NULLs. Spark
//! also allows one generator per SELECT, only as a whole item of the list.
//!
//! A query that uses a generator's columns outside its own SELECT (`SELECT
//! pos FROM (SELECT posexplode(x) FROM t)`) needs their names when it is
//! planned, before this rule runs: the statement rewrite of
//! [`syntax`](super::syntax) names them, turning `posexplode(x)` into the
//! two items `posexplode(x)['pos'] AS pos, posexplode(x)['col'] AS col`,
//! which this rule takes as the two columns of one generator.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, NullHandling, Result, UnnestOptions, exec_err, plan_err};
use datafusion::config::ConfigOptions;
use datafusion::functions_nested::expr_fn::range;
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlan, LogicalPlanBuilder, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility, cast, col, lit,
};
use datafusion::optimizer::AnalyzerRule;

const VALUES: &str = "__genolake_values";
const POSITIONS: &str = "__genolake_positions";

/// `explode(array)`: one row per element.
pub(crate) fn explode() -> ScalarUDF {
    ScalarUDF::new_from_impl(Generator::new(Kind::Explode))
}

/// `explode_outer(array)`: as `explode`, keeping NULL and empty arrays as a
/// row of NULL.
pub(crate) fn explode_outer() -> ScalarUDF {
    ScalarUDF::new_from_impl(Generator::new(Kind::ExplodeOuter))
}

/// `posexplode(array)`: one row per element, with its 0-based position.
pub(crate) fn posexplode() -> ScalarUDF {
    ScalarUDF::new_from_impl(Generator::new(Kind::PosExplode))
}

/// `posexplode_outer(array)`: as `posexplode`, keeping NULL and empty
/// arrays as a row of NULLs.
pub(crate) fn posexplode_outer() -> ScalarUDF {
    ScalarUDF::new_from_impl(Generator::new(Kind::PosExplodeOuter))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Explode,
    ExplodeOuter,
    PosExplode,
    PosExplodeOuter,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Explode => "explode",
            Kind::ExplodeOuter => "explode_outer",
            Kind::PosExplode => "posexplode",
            Kind::PosExplodeOuter => "posexplode_outer",
        }
    }

    fn with_positions(self) -> bool {
        matches!(self, Kind::PosExplode | Kind::PosExplodeOuter)
    }

    fn null_handling(self) -> NullHandling {
        match self {
            Kind::Explode | Kind::PosExplode => NullHandling::Drop,
            Kind::ExplodeOuter | Kind::PosExplodeOuter => NullHandling::PreserveAndExpandEmpty,
        }
    }
}

/// A generator as a scalar function: it only plans; [`ExpandGenerators`]
/// replaces it before anything runs.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Generator {
    kind: Kind,
    signature: Signature,
}

impl Generator {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Generator {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let element = match arg_types {
            [DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)] => {
                f.data_type().clone()
            }
            [DataType::Map(_, _)] => {
                return plan_err!(
                    "{}() of a map is not supported: use unnest(map_entries(m)) or \
                     unnest(map_keys(m))",
                    self.name()
                );
            }
            _ => return plan_err!("{}() takes an array, got {arg_types:?}", self.name()),
        };
        if self.kind.with_positions() {
            Ok(DataType::Struct(Fields::from(vec![
                Field::new("pos", DataType::Int32, true),
                Field::new("col", element, true),
            ])))
        } else {
            Ok(element)
        }
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        exec_err!("{}", misplaced(self.kind))
    }
}

fn misplaced(kind: Kind) -> String {
    let name = kind.name();
    format!(
        "{name}() must be a whole item of a SELECT list, as in Spark (SELECT {name}(genotypes) \
         AS g FROM t); to use its rows elsewhere, select it in a subquery"
    )
}

/// The generator `expr` calls at its top, if any, with its argument.
fn generator_call(expr: &Expr) -> Option<(Kind, &Expr)> {
    let Expr::ScalarFunction(call) = expr else {
        return None;
    };
    let inner: &dyn std::any::Any = call.func.inner().as_ref();
    let generator = inner.downcast_ref::<Generator>()?;
    match call.args.as_slice() {
        [arg] => Some((generator.kind, arg)),
        _ => None,
    }
}

/// The first generator anywhere in `expr`.
fn find_generator(expr: &Expr) -> Option<Kind> {
    let mut found = None;
    // The closure never fails, so neither does the walk.
    let _ = expr.apply(|e| {
        if let Some((kind, _)) = generator_call(e) {
            found = Some(kind);
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// The analyzer rule that turns generators in a SELECT list into `Unnest`
/// plans (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct ExpandGenerators;

impl AnalyzerRule for ExpandGenerators {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(expand).map(|t| t.data)
    }

    fn name(&self) -> &str {
        "genolake_expand_generators"
    }
}

/// What a SELECT item does with the generator of its projection.
enum Use {
    /// The whole item is the call: its column(s).
    Whole,
    /// `posexplode(x)['pos']` or `['col']`, as the statement rewrite names
    /// a positional generator's columns: that one column.
    Column(GeneratedColumn),
}

#[derive(Clone, Copy)]
enum GeneratedColumn {
    Pos,
    Col,
}

/// How `item` (without its alias) uses a generator, with the call.
fn generator_use(item: &Expr) -> Option<(Use, Kind, &Expr)> {
    if let Some((kind, arg)) = generator_call(item) {
        return Some((Use::Whole, kind, arg));
    }
    let Expr::ScalarFunction(get) = item else {
        return None;
    };
    let [call, Expr::Literal(field, _)] = get.args.as_slice() else {
        return None;
    };
    if get.func.name() != "get_field" {
        return None;
    }
    let (kind, arg) = generator_call(call)?;
    let column = match field.try_as_str() {
        Some(Some("pos")) => GeneratedColumn::Pos,
        Some(Some("col")) => GeneratedColumn::Col,
        _ => return None,
    };
    kind.with_positions()
        .then_some((Use::Column(column), kind, arg))
}

fn expand(plan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    let LogicalPlan::Projection(projection) = plan else {
        if let Some(kind) = plan.expressions().iter().find_map(find_generator) {
            return plan_err!("{}", misplaced(kind));
        }
        return Ok(Transformed::no(plan));
    };
    // The generator call, and per item how it is used.
    let mut found: Option<(Kind, Expr)> = None;
    let mut uses = Vec::with_capacity(projection.expr.len());
    for item in &projection.expr {
        let (unaliased, alias) = match item {
            Expr::Alias(alias) => (alias.expr.as_ref(), Some(alias.name.clone())),
            other => (other, None),
        };
        match generator_use(unaliased) {
            Some((usage, kind, arg)) => {
                match &found {
                    // posexplode's two columns, named by the statement rewrite.
                    Some((k, a)) if *k == kind && a == arg && matches!(usage, Use::Column(_)) => {}
                    Some(_) => {
                        return plan_err!(
                            "only one generator (explode, posexplode, ...) is allowed per \
                             SELECT, as in Spark; explode the others in a subquery"
                        );
                    }
                    None => {
                        if let Some(inner) = find_generator(arg) {
                            return plan_err!("{}", misplaced(inner));
                        }
                        found = Some((kind, arg.clone()));
                    }
                }
                if kind.with_positions() && matches!(usage, Use::Whole) && alias.is_some() {
                    return plan_err!(
                        "{}() gives two columns, pos and col, and takes one alias each (AS \
                         (p, c) with --dialect spark), or none; or rename them in an outer \
                         SELECT",
                        kind.name()
                    );
                }
                uses.push(Some((usage, alias)));
            }
            None => {
                if let Some(kind) = find_generator(item) {
                    return plan_err!("{}", misplaced(kind));
                }
                uses.push(None);
            }
        }
    }
    let Some((kind, array)) = found else {
        return Ok(Transformed::no(LogicalPlan::Projection(projection)));
    };

    // Below the unnest: only the columns the other items need (a column
    // carried through is repeated once per element), then the array.
    let mut needed: HashSet<Column> = HashSet::new();
    for (item, usage) in projection.expr.iter().zip(&uses) {
        if usage.is_none() {
            needed.extend(item.column_refs().into_iter().cloned());
        }
    }
    let mut below: Vec<Expr> = projection
        .input
        .schema()
        .columns()
        .into_iter()
        .filter(|c| needed.contains(c))
        .map(Expr::Column)
        .collect();
    let mut unnested = vec![Column::from_name(VALUES)];
    if kind.with_positions() {
        // Spark's `size` is -1 for a NULL array, which makes an empty range.
        let size = datafusion_spark::function::collection::size().call(vec![array.clone()]);
        below.push(range(lit(0i64), size, lit(1i64)).alias(POSITIONS));
        unnested.push(Column::from_name(POSITIONS));
    }
    below.push(array.alias(VALUES));

    let positions = || cast(col(POSITIONS), DataType::Int32);
    let mut above = Vec::with_capacity(projection.expr.len() + 1);
    for (item, usage) in projection.expr.into_iter().zip(uses) {
        match usage {
            None => above.push(item),
            Some((Use::Whole, _)) if kind.with_positions() => {
                above.push(positions().alias("pos"));
                above.push(col(VALUES).alias("col"));
            }
            Some((Use::Whole, alias)) => {
                above.push(col(VALUES).alias(alias.unwrap_or_else(|| "col".into())));
            }
            Some((Use::Column(column), alias)) => {
                let (value, name) = match column {
                    GeneratedColumn::Pos => (positions(), "pos"),
                    GeneratedColumn::Col => (col(VALUES), "col"),
                };
                above.push(value.alias(alias.unwrap_or_else(|| name.into())));
            }
        }
    }
    let options = UnnestOptions::new().with_null_handling(kind.null_handling());
    let plan = LogicalPlanBuilder::from(Arc::unwrap_or_clone(projection.input))
        .project(below)?
        .unnest_columns_with_options(unnested, options)?
        .project(above)?
        .build()?;
    Ok(Transformed::yes(plan))
}
