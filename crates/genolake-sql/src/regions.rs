//! From SQL predicates on `contigName`, `start` and `end` to genomic regions.
//!
//! A query such as `WHERE contigName = '20' AND start >= 10000000 AND start <
//! 10001000` only needs the records of one stretch of chromosome 20; with a
//! tabix or CSI index beside a BGZF file, the reader then inflates only the
//! blocks that hold them. This module turns the predicates DataFusion offers
//! a scan (logical [`Expr`]s for a table provider, [`PhysicalExpr`]s for a
//! file source) into [`Region`]s the reader takes.
//!
//! # Conservative by construction
//!
//! The regions are a *superset* of what the predicate keeps: a row the
//! predicate would keep always overlaps one of the regions, so handing them
//! to the reader never loses a row, and DataFusion still applies the filter
//! itself (the pushdown is `Inexact`). Anything not understood loosens the
//! constraint: an unknown conjunct is dropped (`a AND ?` ⊆ `a`), an unknown
//! disjunct gives up (`a OR ?` is unconstrained).
//!
//! A predicate is kept in disjunctive normal form: an OR of [`Term`]s, each a
//! set of contigs and bounds on `start` and `end`. A record `[start, end)`
//! satisfies a term when its contig is in the set, `start_lo <= start <=
//! start_hi` and `end >= end_lo`. Upper bounds on `end` are not used: they
//! would say something about `start` only for records whose `end` is not
//! below their `start`, which a malformed INFO/END can break.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions as phys;
use genolake_core::Region;
use genolake_core::schema::{CONTIG_NAME, END, START};

/// Terms beyond which AND/OR expansion gives up (conservatively).
const MAX_TERMS: usize = 256;

/// One conjunction: a record on one of `contigs` (any contig when `None`)
/// with `start` in `[start_lo, start_hi]` and `end >= end_lo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    contigs: Option<BTreeSet<String>>,
    start_lo: i64,
    start_hi: i64,
    end_lo: i64,
}

impl Term {
    const ANY: Term = Term {
        contigs: None,
        start_lo: i64::MIN,
        start_hi: i64::MAX,
        end_lo: i64::MIN,
    };

    fn intersect(&self, other: &Term) -> Option<Term> {
        let contigs = match (&self.contigs, &other.contigs) {
            (None, c) | (c, None) => c.clone(),
            (Some(a), Some(b)) => Some(a.intersection(b).cloned().collect()),
        };
        let term = Term {
            contigs,
            start_lo: self.start_lo.max(other.start_lo),
            start_hi: self.start_hi.min(other.start_hi),
            end_lo: self.end_lo.max(other.end_lo),
        };
        term.is_satisfiable().then_some(term)
    }

    fn is_satisfiable(&self) -> bool {
        self.start_lo <= self.start_hi
            && self.start_hi >= 0
            && self.contigs.as_ref().is_none_or(|c| !c.is_empty())
    }

    /// The region a record satisfying this term on `contig` must overlap
    /// (in the sense of [`Region::overlaps`]).
    fn region(&self, contig: &str) -> Region {
        // start <= start_hi: the record begins before start_hi + 1.
        let end = self.start_hi.saturating_add(1).max(1);
        // start >= start_lo gives start + 1 > start_lo; end >= end_lo gives
        // end > end_lo - 1; either way max(end, start + 1) > region start.
        let start = self.start_lo.max(self.end_lo.saturating_sub(1)).max(0);
        // A record may span the whole window (start <= start_hi, end far
        // beyond): keep at least the last base before `end`.
        let start = start.min(end - 1);
        Region {
            contig: contig.to_string(),
            start,
            end,
        }
    }
}

/// What a predicate says about the rows it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Constraint {
    /// Nothing usable: any row may pass.
    Any,
    /// Rows satisfy one of these terms; none when the list is empty.
    Terms(Vec<Term>),
}

impl Constraint {
    fn term(term: Term) -> Self {
        if term.is_satisfiable() {
            Constraint::Terms(vec![term])
        } else {
            Constraint::Terms(Vec::new())
        }
    }

    /// Both constraints hold.
    pub(crate) fn and(self, other: Constraint) -> Constraint {
        match (self, other) {
            (Constraint::Any, c) | (c, Constraint::Any) => c,
            (Constraint::Terms(a), Constraint::Terms(b)) => {
                if a.len().saturating_mul(b.len()) > MAX_TERMS {
                    // Either side alone is looser than both: keep the smaller.
                    return Constraint::Terms(if a.len() <= b.len() { a } else { b });
                }
                let terms = a
                    .iter()
                    .flat_map(|x| b.iter().filter_map(move |y| x.intersect(y)))
                    .collect();
                Constraint::Terms(terms)
            }
        }
    }

    /// At least one of the constraints holds.
    pub(crate) fn or(self, other: Constraint) -> Constraint {
        match (self, other) {
            (Constraint::Terms(mut a), Constraint::Terms(b)) if a.len() + b.len() <= MAX_TERMS => {
                a.extend(b);
                Constraint::Terms(a)
            }
            _ => Constraint::Any,
        }
    }

    /// Whether the constraint says anything at all.
    pub(crate) fn is_any(&self) -> bool {
        matches!(self, Constraint::Any)
    }

    /// The regions the kept rows overlap, merged and sorted; `None` when the
    /// constraint does not pin every row to a named contig (the whole file
    /// must be read), `Some(empty)` when no row can pass.
    pub(crate) fn regions(&self) -> Option<Vec<Region>> {
        let Constraint::Terms(terms) = self else {
            return None;
        };
        let mut regions = Vec::new();
        for term in terms {
            for contig in term.contigs.as_ref()? {
                regions.push(term.region(contig));
            }
        }
        Some(merge_regions(regions))
    }
}

/// Sorts regions and merges those that overlap or touch, so no record is
/// asked for twice.
pub(crate) fn merge_regions(mut regions: Vec<Region>) -> Vec<Region> {
    regions.sort_by(|a, b| (&a.contig, a.start, a.end).cmp(&(&b.contig, b.start, b.end)));
    let mut merged: Vec<Region> = Vec::with_capacity(regions.len());
    for region in regions {
        match merged.last_mut() {
            Some(last) if last.contig == region.contig && region.start <= last.end => {
                last.end = last.end.max(region.end);
            }
            _ => merged.push(region),
        }
    }
    merged
}

/// A list of regions as `EXPLAIN` shows them (1-based, inclusive).
pub(crate) struct DisplayRegions<'a>(pub &'a [Region]);

impl fmt::Display for DisplayRegions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, region) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{region}")?;
        }
        f.write_str("]")
    }
}

/// Which variant-table column a predicate compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Contig,
    Start,
    End,
}

impl Col {
    fn of_name(name: &str) -> Option<Col> {
        match name {
            CONTIG_NAME => Some(Col::Contig),
            START => Some(Col::Start),
            END => Some(Col::End),
            _ => None,
        }
    }
}

/// `column op value`, already oriented with the column on the left.
fn comparison(col: Col, op: Operator, value: &ScalarValue) -> Constraint {
    match col {
        Col::Contig => match (op, string_value(value)) {
            (Operator::Eq, Some(s)) => Constraint::term(Term {
                contigs: Some(BTreeSet::from([s])),
                ..Term::ANY
            }),
            _ => Constraint::Any,
        },
        Col::Start => {
            let Some(v) = int_value(value) else {
                return Constraint::Any;
            };
            let (lo, hi) = match op {
                Operator::Eq => (v, v),
                Operator::Gt => (v.saturating_add(1), i64::MAX),
                Operator::GtEq => (v, i64::MAX),
                Operator::Lt => (i64::MIN, v.saturating_sub(1)),
                Operator::LtEq => (i64::MIN, v),
                _ => return Constraint::Any,
            };
            Constraint::term(Term {
                start_lo: lo,
                start_hi: hi,
                ..Term::ANY
            })
        }
        Col::End => {
            let Some(v) = int_value(value) else {
                return Constraint::Any;
            };
            let lo = match op {
                Operator::Eq | Operator::GtEq => v,
                Operator::Gt => v.saturating_add(1),
                _ => return Constraint::Any,
            };
            Constraint::term(Term {
                end_lo: lo,
                ..Term::ANY
            })
        }
    }
}

fn in_list(col: Col, values: &[ScalarValue]) -> Constraint {
    match col {
        Col::Contig => {
            let contigs: Option<BTreeSet<String>> = values.iter().map(string_value).collect();
            match contigs {
                Some(contigs) => Constraint::term(Term {
                    contigs: Some(contigs),
                    ..Term::ANY
                }),
                None => Constraint::Any,
            }
        }
        Col::Start | Col::End => values
            .iter()
            .map(|v| comparison(col, Operator::Eq, v))
            .reduce(Constraint::or)
            .unwrap_or(Constraint::Terms(Vec::new())),
    }
}

fn between(col: Col, low: &ScalarValue, high: &ScalarValue) -> Constraint {
    comparison(col, Operator::GtEq, low).and(comparison(col, Operator::LtEq, high))
}

/// The operator seen from the other side: `5 < start` is `start > 5`.
fn flip(op: Operator) -> Operator {
    match op {
        Operator::Lt => Operator::Gt,
        Operator::LtEq => Operator::GtEq,
        Operator::Gt => Operator::Lt,
        Operator::GtEq => Operator::LtEq,
        other => other,
    }
}

fn string_value(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s.clone()),
        ScalarValue::Dictionary(_, inner) => string_value(inner),
        _ => None,
    }
}

fn int_value(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int8(Some(v)) => Some(i64::from(*v)),
        ScalarValue::Int16(Some(v)) => Some(i64::from(*v)),
        ScalarValue::Int32(Some(v)) => Some(i64::from(*v)),
        ScalarValue::Int64(Some(v)) => Some(*v),
        ScalarValue::UInt8(Some(v)) => Some(i64::from(*v)),
        ScalarValue::UInt16(Some(v)) => Some(i64::from(*v)),
        ScalarValue::UInt32(Some(v)) => Some(i64::from(*v)),
        ScalarValue::UInt64(Some(v)) => Some(i64::try_from(*v).unwrap_or(i64::MAX)),
        _ => None,
    }
}

fn is_string_type(t: &datafusion::arrow::datatypes::DataType) -> bool {
    use datafusion::arrow::datatypes::DataType;
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// What a logical filter expression says about `contigName`, `start`, `end`.
pub(crate) fn from_expr(expr: &Expr) -> Constraint {
    fn column(expr: &Expr) -> Option<Col> {
        match expr {
            Expr::Column(c) => Col::of_name(&c.name),
            // Casting a string to another string type keeps equality.
            Expr::Cast(cast) if is_string_type(cast.field.data_type()) => {
                column(&cast.expr).filter(|c| *c == Col::Contig)
            }
            _ => None,
        }
    }
    fn literal(expr: &Expr) -> Option<&ScalarValue> {
        match expr {
            Expr::Literal(value, _) => Some(value),
            _ => None,
        }
    }
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => from_expr(left).and(from_expr(right)),
            Operator::Or => from_expr(left).or(from_expr(right)),
            _ => match (column(left), literal(right), literal(left), column(right)) {
                (Some(col), Some(value), _, _) => comparison(col, *op, value),
                (_, _, Some(value), Some(col)) => comparison(col, flip(*op), value),
                _ => Constraint::Any,
            },
        },
        Expr::InList(list) if !list.negated => match column(&list.expr) {
            Some(col) => {
                let values: Option<Vec<ScalarValue>> =
                    list.list.iter().map(|e| literal(e).cloned()).collect();
                values.map_or(Constraint::Any, |v| in_list(col, &v))
            }
            None => Constraint::Any,
        },
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => match (column(expr), literal(low), literal(high)) {
            (Some(col), Some(low), Some(high)) => between(col, low, high),
            _ => Constraint::Any,
        },
        _ => Constraint::Any,
    }
}

/// What a physical filter expression says about `contigName`, `start`, `end`.
pub(crate) fn from_physical_expr(expr: &Arc<dyn PhysicalExpr>) -> Constraint {
    fn column(expr: &Arc<dyn PhysicalExpr>) -> Option<Col> {
        if let Some(c) = expr.downcast_ref::<phys::Column>() {
            return Col::of_name(c.name());
        }
        if let Some(cast) = expr.downcast_ref::<phys::CastExpr>()
            && is_string_type(cast.cast_type())
        {
            return column(cast.expr()).filter(|c| *c == Col::Contig);
        }
        None
    }
    fn literal(expr: &Arc<dyn PhysicalExpr>) -> Option<&ScalarValue> {
        expr.downcast_ref::<phys::Literal>()
            .map(phys::Literal::value)
    }
    if let Some(binary) = expr.downcast_ref::<phys::BinaryExpr>() {
        let (left, op, right) = (binary.left(), *binary.op(), binary.right());
        return match op {
            Operator::And => from_physical_expr(left).and(from_physical_expr(right)),
            Operator::Or => from_physical_expr(left).or(from_physical_expr(right)),
            _ => match (column(left), literal(right), literal(left), column(right)) {
                (Some(col), Some(value), _, _) => comparison(col, op, value),
                (_, _, Some(value), Some(col)) => comparison(col, flip(op), value),
                _ => Constraint::Any,
            },
        };
    }
    if let Some(list) = expr.downcast_ref::<phys::InListExpr>() {
        if list.negated() {
            return Constraint::Any;
        }
        let Some(col) = column(list.expr()) else {
            return Constraint::Any;
        };
        let values: Option<Vec<ScalarValue>> =
            list.list().iter().map(|e| literal(e).cloned()).collect();
        return values.map_or(Constraint::Any, |v| in_list(col, &v));
    }
    Constraint::Any
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::{ident as col, lit};

    use super::*;

    fn region(contig: &str, start: i64, end: i64) -> Region {
        Region {
            contig: contig.into(),
            start,
            end,
        }
    }

    fn regions(expr: Expr) -> Option<Vec<Region>> {
        from_expr(&expr).regions()
    }

    #[test]
    fn predicates_become_the_regions_their_rows_overlap() {
        let contig = || col("contigName");
        let start = || col("start");
        let end = || col("end");
        let cases: Vec<(Expr, Option<Vec<Region>>)> = vec![
            (
                contig().eq(lit("20")),
                Some(vec![region("20", 0, i64::MAX)]),
            ),
            (
                contig()
                    .eq(lit("20"))
                    .and(start().gt_eq(lit(100i64)))
                    .and(start().lt(lit(200i64))),
                Some(vec![region("20", 100, 200)]),
            ),
            (
                contig()
                    .eq(lit("20"))
                    .and(start().gt(lit(100i64)))
                    .and(start().lt_eq(lit(200i64))),
                Some(vec![region("20", 101, 201)]),
            ),
            // bcftools -r 20:101-200 semantics: end > 100 AND start < 200.
            (
                contig()
                    .eq(lit("20"))
                    .and(end().gt(lit(100i64)))
                    .and(start().lt(lit(200i64))),
                Some(vec![region("20", 100, 200)]),
            ),
            (
                lit("20").eq(contig()).and(lit(200i64).gt(start())),
                Some(vec![region("20", 0, 200)]),
            ),
            (
                contig()
                    .in_list(vec![lit("21"), lit("20")], false)
                    .and(start().between(lit(5i64), lit(9i64))),
                Some(vec![region("20", 5, 10), region("21", 5, 10)]),
            ),
            (
                contig()
                    .eq(lit("20"))
                    .and(start().lt(lit(10i64)))
                    .or(contig().eq(lit("20")).and(start().gt(lit(5i64)))),
                Some(vec![region("20", 0, i64::MAX)]),
            ),
            // A long record starting before 100 and ending after 1000.
            (
                contig()
                    .eq(lit("1"))
                    .and(start().lt_eq(lit(100i64)))
                    .and(end().gt_eq(lit(1000i64))),
                Some(vec![region("1", 100, 101)]),
            ),
            // Contradictions keep nothing.
            (
                contig().eq(lit("1")).and(contig().eq(lit("2"))),
                Some(vec![]),
            ),
            (
                contig().eq(lit("1")).and(start().lt(lit(0i64))),
                Some(vec![]),
            ),
            // Nothing to say without a contig, or with what is not understood.
            (start().gt(lit(5i64)), None),
            (contig().eq(lit("1")).or(col("qual").gt(lit(3.0))), None),
            (contig().not_eq(lit("1")), None),
            (contig().in_list(vec![lit("1")], true), None),
            // Upper bounds on end are not used.
            (
                contig().eq(lit("1")).and(end().lt(lit(50i64))),
                Some(vec![region("1", 0, i64::MAX)]),
            ),
            // Unknown conjuncts are dropped.
            (
                contig().eq(lit("1")).and(col("qual").gt(lit(3.0))),
                Some(vec![region("1", 0, i64::MAX)]),
            ),
        ];
        for (expr, expected) in cases {
            assert_eq!(regions(expr.clone()), expected, "{expr}");
        }
    }

    #[test]
    fn every_row_the_predicate_keeps_overlaps_a_region() {
        // Exhaustive over small records and bounds.
        let contig = || col("contigName");
        type Build = fn(Expr, Expr) -> Expr;
        let ops: [(Operator, Build); 5] = [
            (Operator::Eq, Expr::eq),
            (Operator::Lt, Expr::lt),
            (Operator::LtEq, Expr::lt_eq),
            (Operator::Gt, Expr::gt),
            (Operator::GtEq, Expr::gt_eq),
        ];
        let holds = |op: Operator, x: i64, v: i64| match op {
            Operator::Eq => x == v,
            Operator::Lt => x < v,
            Operator::LtEq => x <= v,
            Operator::Gt => x > v,
            Operator::GtEq => x >= v,
            _ => unreachable!(),
        };
        for (op1, f1) in ops {
            for (op2, f2) in ops {
                for a in 0..6i64 {
                    for b in 0..6i64 {
                        let expr = contig()
                            .eq(lit("c"))
                            .and(f1(col("start"), lit(a)))
                            .and(f2(col("end"), lit(b)));
                        let regions = regions(expr.clone()).unwrap();
                        for start in 0..8i64 {
                            for end in start..10 {
                                if holds(op1, start, a) && holds(op2, end, b) {
                                    assert!(
                                        Region::any_overlaps(&regions, "c", start, end),
                                        "{expr}: [{start},{end}) kept but outside {regions:?}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn merge_joins_overlapping_and_touching_regions() {
        let merged = merge_regions(vec![
            region("2", 5, 10),
            region("1", 0, 10),
            region("1", 10, 20),
            region("1", 30, 40),
            region("1", 35, 36),
        ]);
        assert_eq!(
            merged,
            vec![region("1", 0, 20), region("1", 30, 40), region("2", 5, 10)]
        );
    }
}
