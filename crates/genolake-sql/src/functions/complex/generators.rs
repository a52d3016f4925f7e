//! Glow's generators `expand_struct` and `explode_matrix` in DataFusion,
//! which has no generator functions: an analyzer rule rewrites them where
//! Spark allows them, as items of a SELECT list.
//!
//! - `expand_struct(s)` becomes one column per field, `s['f'] AS f`. A
//!   query above that selects the struct's column by name (the `*` of
//!   `SELECT * FROM (SELECT expand_struct(s) FROM t)`) gets the fields in
//!   its place; any other use of it is an error.
//! - `explode_matrix(m)` becomes an unnest of the matrix's rows (a list of
//!   arrays), the other items of the SELECT list repeated on every row. Its
//!   column keeps its name and type, so nothing above changes.
//!
//! Either function left anywhere else (a WHERE clause, inside another
//! expression) is a planning error that says where it may go.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchemaRef, UnnestOptions};
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{
    Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder, Projection, ScalarUDF, SubqueryAlias,
};
use datafusion::optimizer::AnalyzerRule;

use super::matrix::{EXPLODE_MATRIX_PLACE, MatrixRows};
use super::plan_err;
use super::structs::EXPAND_STRUCT_PLACE;

const EXPAND_STRUCT: &str = "expand_struct";
const EXPLODE_MATRIX: &str = "explode_matrix";
/// The column holding each matrix's rows between the projection and the
/// unnest.
const MATRIX_ROWS: &str = "__genolake_explode_matrix_rows";

/// The analyzer rule that rewrites `expand_struct` and `explode_matrix`
/// (see the module documentation). Registered by
/// [`register_complex`](super::register_complex).
#[derive(Debug, Default, Clone, Copy)]
pub struct GeneratorRewrite;

impl AnalyzerRule for GeneratorRewrite {
    fn name(&self) -> &str {
        "genolake_generators"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        if !has_generator(&plan)? {
            return Ok(plan);
        }
        let mut expanded = Vec::new();
        let plan = plan
            .transform_up_with_subqueries(|node| rewrite(node, &mut expanded))?
            .data;
        // Nodes above a rewritten projection still carry the schema they
        // were planned with.
        Ok(plan
            .transform_up_with_subqueries(|node| Ok(Transformed::yes(node.recompute_schema()?)))?
            .data)
    }
}

/// The argument of a call to the generator `name`.
fn generator_arg<'a>(expr: &'a Expr, name: &str) -> Option<&'a Expr> {
    match expr {
        Expr::ScalarFunction(f) if f.name() == name && f.args.len() == 1 => Some(&f.args[0]),
        _ => None,
    }
}

fn is_generator(expr: &Expr) -> bool {
    generator_arg(expr, EXPAND_STRUCT).is_some() || generator_arg(expr, EXPLODE_MATRIX).is_some()
}

fn has_generator(plan: &LogicalPlan) -> Result<bool> {
    let mut found = false;
    plan.apply_with_subqueries(|node| {
        for expr in node.expressions() {
            if expr.exists(|e| Ok(is_generator(e)))? {
                found = true;
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(found)
}

/// A column made by `expand_struct` and the columns of its fields that
/// replace it, as nodes above see them.
#[derive(Debug)]
struct Expanded {
    column: Column,
    fields: Vec<Column>,
}

fn same_column(reference: &Column, column: &Column) -> bool {
    reference.name == column.name
        && (reference.relation.is_none() || reference.relation == column.relation)
}

fn find<'a>(expanded: &'a [Expanded], column: &Column) -> Option<&'a Expanded> {
    expanded.iter().find(|e| same_column(column, &e.column))
}

/// Fails when `expr` holds a generator or a column made by `expand_struct`
/// anywhere but where [`rewrite`] handles them.
fn check_expr(expr: &Expr, expanded: &[Expanded]) -> Result<()> {
    let mut problem = None;
    expr.apply(|e| {
        if generator_arg(e, EXPAND_STRUCT).is_some() {
            problem = Some(EXPAND_STRUCT_PLACE.to_string());
        } else if generator_arg(e, EXPLODE_MATRIX).is_some() {
            problem = Some(EXPLODE_MATRIX_PLACE.to_string());
        } else if let Expr::Column(c) = e
            && find(expanded, c).is_some()
        {
            problem = Some(format!(
                "{} is the result of expand_struct, which is columns, not one value: select it \
                 alone (or with *) or select its fields by name",
                c.name
            ));
        }
        Ok(if problem.is_some() {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    match problem {
        Some(p) => Err(plan_err(p)),
        None => Ok(()),
    }
}

fn rewrite(plan: LogicalPlan, expanded: &mut Vec<Expanded>) -> Result<Transformed<LogicalPlan>> {
    match plan {
        LogicalPlan::Projection(projection) => rewrite_projection(projection, expanded),
        LogicalPlan::SubqueryAlias(alias) => {
            let input_schema = alias.input.schema();
            for entry in expanded.iter_mut() {
                if entry.fields.iter().all(|f| input_schema.has_column(f)) {
                    entry.column.relation = Some(alias.alias.clone());
                    for field in &mut entry.fields {
                        field.relation = Some(alias.alias.clone());
                    }
                }
            }
            let alias = SubqueryAlias::try_new(alias.input, alias.alias)?;
            Ok(Transformed::yes(LogicalPlan::SubqueryAlias(alias)))
        }
        other => {
            for expr in other.expressions() {
                check_expr(&expr, expanded)?;
            }
            Ok(Transformed::no(other))
        }
    }
}

fn rewrite_projection(
    projection: Projection,
    expanded: &mut Vec<Expanded>,
) -> Result<Transformed<LogicalPlan>> {
    let Projection {
        expr: exprs,
        input,
        schema,
        ..
    } = projection;
    let mut changed = false;
    let mut out = Vec::with_capacity(exprs.len());
    let mut new_entries = Vec::new();
    let mut matrix: Option<Expr> = None;
    for (i, expr) in exprs.iter().enumerate() {
        let (qualifier, field) = schema.qualified_field(i);
        if let Expr::Column(c) = expr
            && let Some(entry) = find(expanded, c)
        {
            out.extend(entry.fields.iter().cloned().map(Expr::Column));
            changed = true;
            continue;
        }
        let bare = match expr {
            Expr::Alias(alias) => alias.expr.as_ref(),
            other => other,
        };
        if let Some(arg) = generator_arg(bare, EXPAND_STRUCT) {
            check_expr(arg, expanded)?;
            let DataType::Struct(fields) = arg.get_type(input.schema())? else {
                return Err(plan_err(format!(
                    "expand_struct: only structs can be expanded; got {}",
                    arg.get_type(input.schema())?
                )));
            };
            let mut columns = Vec::with_capacity(fields.len());
            for f in fields.iter() {
                out.push(get_field(arg.clone(), f.name().as_str()).alias(f.name()));
                columns.push(Column::new_unqualified(f.name()));
            }
            new_entries.push(Expanded {
                column: Column::new(qualifier.cloned(), field.name()),
                fields: columns,
            });
            changed = true;
        } else if let Some(arg) = generator_arg(bare, EXPLODE_MATRIX) {
            check_expr(arg, expanded)?;
            if matrix.is_some() {
                return Err(plan_err(
                    "explode_matrix: only one explode_matrix per SELECT list, as in Spark",
                ));
            }
            matrix = Some(arg.clone());
            out.push(
                Expr::Column(Column::new_unqualified(MATRIX_ROWS))
                    .alias_qualified(qualifier.cloned(), field.name()),
            );
            changed = true;
        } else {
            check_expr(expr, expanded)?;
            out.push(expr.clone());
        }
    }
    expanded.extend(new_entries);
    if !changed {
        let projection = Projection::try_new_with_schema(exprs, input, schema)?;
        return Ok(Transformed::no(LogicalPlan::Projection(projection)));
    }
    let input = match matrix {
        Some(arg) => unnest_rows(input, arg)?,
        None => input,
    };
    let projection = Projection::try_new(out, input)?;
    Ok(Transformed::yes(LogicalPlan::Projection(projection)))
}

/// `input` with a row per row of the matrix `arg`, in column
/// [`MATRIX_ROWS`]; a null or empty matrix gives no row, as in Glow.
fn unnest_rows(input: Arc<LogicalPlan>, arg: Expr) -> Result<Arc<LogicalPlan>> {
    let schema: &DFSchemaRef = input.schema();
    let mut columns: Vec<Expr> = schema.columns().into_iter().map(Expr::Column).collect();
    let rows = ScalarFunction::new_udf(
        Arc::new(ScalarUDF::new_from_impl(MatrixRows::new())),
        vec![arg],
    );
    columns.push(Expr::ScalarFunction(rows).alias(MATRIX_ROWS));
    let plan = LogicalPlanBuilder::from(Arc::unwrap_or_clone(input))
        .project(columns)?
        .unnest_column_with_options(
            Column::new_unqualified(MATRIX_ROWS),
            UnnestOptions::new().with_preserve_nulls(false),
        )?
        .build()?;
    Ok(Arc::new(plan))
}
