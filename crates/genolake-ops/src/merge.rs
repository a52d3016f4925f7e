//! Merging per-sample or per-batch variant tables into one multi-sample table.
//!
//! [`Merger`] reads several position-sorted inputs ([`MergeInput`], one VCF
//! each, say) side by side, a k-way merge that holds one batch per input and
//! the output being built, and joins records of the same variant into one
//! row whose `genotypes` hold every input's samples, in input order.
//!
//! # Rules
//!
//! These follow Glow's merge recipe (group by the site columns, concatenate
//! the genotypes) and, where the recipe says nothing, what `bcftools merge
//! -m none` (1.16) does by default:
//!
//! - **Which records join.** Records join when `contigName`, `start`, `end`,
//!   `referenceAllele` and `alternateAlleles` are all equal (Glow's group-by
//!   key). bcftools `-m none` compares REF and ALT at a position, so the two
//!   differ only for records whose `end` comes from differing `INFO/END`s. A
//!   record repeated within one input joins the next input's first unjoined
//!   copy.
//! - **Order.** Rows come by contig, then `start`. Contigs come in the order
//!   given ([`MergeOptions::contig_order`]), else in the order of the
//!   inputs' `##contig` lines when every input lists some
//!   ([`MergeInput::with_contigs`], filled by [`MergeInput::from_vcf`]), else
//!   in the order the inputs meet them: then an input whose first contig is
//!   one another input holds later is an error (give the order).
//!   Rows at one position come in the order of the first input holding
//!   them, then those only later inputs hold. (bcftools orders the records
//!   of one position by its own allele grouping, SNPs first.)
//! - **Missing genotypes.** An input without the record gives each of its
//!   samples `calls` of `-1`, as many as the largest ploidy among the
//!   record's present genotypes (1 when none has calls), `phased` false, and
//!   null in every other field: bcftools writes `./.` beside diploid calls
//!   and `.` beside haploid ones.
//! - **Site columns.** `names`: the union of the inputs' IDs, deduplicated by
//!   their whole ID text as bcftools does (`rsB;rsC` and `rsC` give
//!   `rsB;rsC;rsC`). `qual`: the largest present. `filters`: the union in
//!   input order, without `PASS` when another filter is there (a failed
//!   filter in any input wins); empty or null filters add nothing. Other
//!   non-INFO columns come from the first input holding the record.
//! - **INFO.** Each key from the first input whose record has a value for it
//!   (bcftools copies a key from the first file holding it), except:
//!   `INFO_DP` and `INFO_DP4` are summed (bcftools' default `-i DP:sum,DP4:sum`);
//!   flags are set when any input sets them; per-allele keys (`Number=A`,
//!   `R`, `G`, named by [`MergeInput::with_per_allele_info`], filled by
//!   [`MergeInput::from_vcf`]) take the last input's value (bcftools
//!   overwrites per allele, so a partly missing list differs); and `INFO_AN`
//!   and `INFO_AC` are counted again from the merged calls, as bcftools does.
//! - **Columns.** The output schema is the union of the inputs' columns
//!   ([`SchemaMerge`]): a column or genotype field an input lacks is null
//!   in its rows and its samples.
//!
//! Bad input is an error naming the input and the record: records going
//! backwards, contigs met in different orders by different inputs, a
//! sample in two inputs (bcftools' default without `--force-samples`), a
//! record whose genotypes do not number the input's samples, columns whose
//! types conflict.
//!
//! # Batches and memory
//!
//! Output batches hold at most [`MergeOptions::batch_size`] rows. Each
//! input holds its current batch; a batch it has moved past is kept only
//! while output rows not yet yielded refer to its rows, so memory is about
//! one batch per input plus the output batch, whatever the file sizes.
//!
//! # In SQL
//!
//! Glow's recipe, in genolake's SQL (DataFusion), for files with the same
//! samples' layout:
//!
//! ```sql
//! SELECT contigName, start, "end", referenceAllele, alternateAlleles,
//!        flatten(array_agg(genotypes)) AS genotypes,
//!        sum("INFO_DP") AS "INFO_DP"
//! FROM (
//!   SELECT * FROM read_vcf('HG00096.vcf.bgz')
//!   UNION ALL
//!   SELECT * FROM read_vcf('HG00097.vcf.bgz')
//! )
//! GROUP BY contigName, start, "end", referenceAllele, alternateAlleles
//! ORDER BY contigName, start
//! ```
//!
//! Caveats: it does not fill missing genotypes (a sample without the record
//! is simply absent from that row's list, so rows differ in length and
//! positions do not name samples); `array_agg` without `ORDER BY` gives the
//! inputs' genotypes in no set order (write `array_agg(genotypes ORDER BY
//! genotypes[1].sampleId)` or sort afterwards, as Glow's `sort_array` does);
//! `UNION ALL` needs the same columns in every file (select the shared ones);
//! other site columns need their own aggregate (`first_value(names)`,
//! `max(qual)`); `ORDER BY contigName` sorts contigs as text (`10` before
//! `2`). [`Merger`] does all of this in one streaming pass.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int32Array, Int32Builder, ListArray,
    ListBuilder, MutableArrayData, RecordBatch, StringArray, StringBuilder, StructArray,
    make_array, new_null_array,
};
use arrow::buffer::OffsetBuffer;
use arrow::compute::interleave;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int32Type, SchemaRef};
use genolake_core::merge::{SchemaMerge, conform_array, conform_batch};
use genolake_core::schema::{
    ALTERNATE_ALLELES, CALLS, CONTIG_NAME, END, FILTERS, GENOTYPES, INFO_PREFIX, NAMES, PHASED,
    QUAL, REFERENCE_ALLELE, SAMPLE_ID, START, list_of,
};
use genolake_vcf::{Header, Reader, ReaderOptions};

use crate::error::{Error, Result};

/// The batches of one input, in position order.
pub type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// One input of a merge: a name for messages (its path, say), its schema,
/// its samples in the order of each row's `genotypes`, and its batches
/// sorted by contig and `start`.
pub struct MergeInput {
    name: String,
    schema: SchemaRef,
    samples: Vec<String>,
    batches: Batches,
    per_allele: HashSet<String>,
    contigs: Vec<String>,
}

impl std::fmt::Debug for MergeInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergeInput")
            .field("name", &self.name)
            .field("samples", &self.samples)
            .finish_non_exhaustive()
    }
}

impl MergeInput {
    /// An input named `name` whose batches have `schema` and whose rows'
    /// `genotypes` list `samples` in this order.
    pub fn new(
        name: impl Into<String>,
        schema: SchemaRef,
        samples: Vec<String>,
        batches: Batches,
    ) -> Self {
        Self {
            name: name.into(),
            schema,
            samples,
            batches,
            per_allele: HashSet::new(),
            contigs: Vec::new(),
        }
    }

    /// A VCF or BGZF VCF read with the default options, its per-allele INFO
    /// keys taken from its header.
    pub fn from_vcf(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let reader = Reader::builder(path)
            .options(ReaderOptions::default())
            .build()?;
        let header = Arc::clone(reader.header());
        let schema = reader.schema();
        let batches: Batches = Box::new(reader.map(|batch| batch.map_err(Error::from)));
        Ok(Self::new(
            path.display().to_string(),
            schema,
            header.samples.clone(),
            batches,
        )
        .with_per_allele_info(per_allele_info(&header))
        .with_contigs(contig_order([header.as_ref()])))
    }

    /// The contigs the input may hold, in its order (a header's `##contig`
    /// lines). When every input lists contigs and no order is given, the
    /// merge orders contigs by these lists ([`contig_order`]).
    pub fn with_contigs(mut self, contigs: Vec<String>) -> Self {
        self.contigs = contigs;
        self
    }

    /// Marks INFO columns (`INFO_AF`) as holding one value per allele or
    /// genotype (`Number=A`, `R` or `G`): the merged row takes the last
    /// input's value rather than the first's, as bcftools does.
    pub fn with_per_allele_info<S: Into<String>>(
        mut self,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        self.per_allele.extend(columns.into_iter().map(Into::into));
        self
    }

    /// The input's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input's samples.
    pub fn samples(&self) -> &[String] {
        &self.samples
    }
}

/// The `INFO_<key>` columns of a header's `Number=A`, `R` and `G` keys.
pub fn per_allele_info(header: &Header) -> Vec<String> {
    use genolake_core::schema::Number;
    header
        .infos
        .iter()
        .filter(|d| matches!(d.number, Number::A | Number::R | Number::G))
        .map(|d| format!("{INFO_PREFIX}{}", d.id))
        .collect()
}

/// The contigs of the headers' `##contig` lines, in the order the first
/// header lists them, then those only later headers list, in theirs.
pub fn contig_order<'a>(headers: impl IntoIterator<Item = &'a Header>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for header in headers {
        for contig in &header.contigs {
            if seen.insert(contig.id.clone()) {
                order.push(contig.id.clone());
            }
        }
    }
    order
}

/// How a [`Merger`] batches and orders its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// Rows per output batch at most (default: about a million genotypes,
    /// at most 8192 rows, at least 1).
    pub batch_size: Option<usize>,
    /// The contigs' order; a record on a contig not in it is an error.
    /// Default: the order the inputs meet them.
    pub contig_order: Option<Vec<String>>,
}

/// A batch of one input, cast to the output schema, with its site key
/// columns in the types comparison reads.
struct Source {
    batch: RecordBatch,
    contig: StringArray,
    start: arrow::array::Int64Array,
    end: arrow::array::Int64Array,
    reference: StringArray,
    alternates: ListArray,
}

impl Source {
    fn new(batch: RecordBatch) -> std::result::Result<Self, arrow::error::ArrowError> {
        let column = |name: &str, to: &DataType| -> std::result::Result<ArrayRef, _> {
            match batch.column_by_name(name) {
                Some(c) => conform_array(c, to),
                None => Ok(new_null_array(to, batch.num_rows())),
            }
        };
        let contig = column(CONTIG_NAME, &DataType::Utf8)?
            .as_string::<i32>()
            .clone();
        let start = column(START, &DataType::Int64)?
            .as_primitive::<arrow::datatypes::Int64Type>()
            .clone();
        let end = column(END, &DataType::Int64)?
            .as_primitive::<arrow::datatypes::Int64Type>()
            .clone();
        let reference = column(REFERENCE_ALLELE, &DataType::Utf8)?
            .as_string::<i32>()
            .clone();
        let alternates = column(ALTERNATE_ALLELES, &list_of(DataType::Utf8))?
            .as_list::<i32>()
            .clone();
        Ok(Self {
            batch,
            contig,
            start,
            end,
            reference,
            alternates,
        })
    }

    /// The join key of `row`; `None` when its contig or start is null.
    fn key(&self, row: usize) -> Option<Key> {
        if self.contig.is_null(row) || self.start.is_null(row) {
            return None;
        }
        let alternates = if self.alternates.is_null(row) {
            None
        } else {
            let values = self.alternates.value(row);
            let values = values.as_string::<i32>();
            Some(
                (0..values.len())
                    .map(|i| values.is_valid(i).then(|| values.value(i).to_string()))
                    .collect(),
            )
        };
        Some(Key {
            contig: self.contig.value(row).to_string(),
            start: self.start.value(row),
            end: self.end.is_valid(row).then(|| self.end.value(row)),
            reference: self
                .reference
                .is_valid(row)
                .then(|| self.reference.value(row).to_string()),
            alternates,
        })
    }
}

/// Glow's group-by key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    contig: String,
    start: i64,
    end: Option<i64>,
    reference: Option<String>,
    alternates: Option<Vec<Option<String>>>,
}

impl Key {
    fn describe(&self) -> String {
        let alts = self
            .alternates
            .iter()
            .flatten()
            .map(|a| a.as_deref().unwrap_or("."))
            .collect::<Vec<_>>()
            .join(",");
        format!(
            "{}:{} {}>{}",
            self.contig,
            self.start + 1,
            self.reference.as_deref().unwrap_or("."),
            if alts.is_empty() { "." } else { &alts }
        )
    }
}

/// An input as the merge reads it.
struct Cursor {
    name: String,
    samples: usize,
    batches: Batches,
    /// The arena slot of the current batch, and the next row in it.
    source: Option<usize>,
    row: usize,
    done: bool,
    /// Records read, for messages.
    records: u64,
    /// The last record read: its contig's place and its start.
    last: Option<(usize, i64, String)>,
    /// Contigs this input has moved past.
    left: HashSet<String>,
}

/// Where a merged row's record comes from: an arena slot and a row.
type Part = Option<(usize, usize)>;

/// A streaming k-way merge of position-sorted inputs into one multi-sample
/// table (see the [module](self) for the rules). An iterator of output
/// batches in [`Merger::schema`].
pub struct Merger {
    inputs: Vec<Cursor>,
    schema: SchemaRef,
    samples: Vec<String>,
    batch_size: usize,
    /// By input: the samples' names, for missing genotypes.
    input_samples: Vec<Vec<String>>,
    per_allele: HashSet<String>,
    /// Contig name to place; fixed when given, else grown as met.
    ranks: HashMap<String, usize>,
    fixed_order: bool,
    current_contig: Option<String>,
    finished: HashSet<String>,
    /// Batches whose rows are in `pending` or current in an input.
    arena: Vec<Source>,
    pending: Vec<Vec<Part>>,
    /// Missing genotypes of an input's samples, by (input, ploidy).
    missing: HashMap<(usize, usize), ArrayRef>,
    failed: bool,
}

impl std::fmt::Debug for Merger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merger")
            .field("schema", &self.schema)
            .field("samples", &self.samples)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

impl Merger {
    /// Merges `inputs` with the default [`MergeOptions`].
    pub fn new(inputs: Vec<MergeInput>) -> Result<Self> {
        Self::with_options(inputs, MergeOptions::default())
    }

    /// Merges `inputs`: checks their samples and merges their schemas; no
    /// batch is read yet.
    pub fn with_options(inputs: Vec<MergeInput>, options: MergeOptions) -> Result<Self> {
        if inputs.is_empty() {
            return Err(Error::Invalid("a merge needs at least one input".into()));
        }
        let mut owners: HashMap<&str, &str> = HashMap::new();
        for input in &inputs {
            for sample in &input.samples {
                if let Some(other) = owners.insert(sample, &input.name) {
                    return Err(Error::Invalid(if other == input.name {
                        format!("sample {sample} appears twice in {}", input.name)
                    } else {
                        format!(
                            "sample {sample} is in both {other} and {} (sample names must be \
                             unique across the inputs of a merge)",
                            input.name
                        )
                    }));
                }
            }
        }
        let mut merge = SchemaMerge::new();
        for input in &inputs {
            for column in [CONTIG_NAME, START, REFERENCE_ALLELE, ALTERNATE_ALLELES] {
                if input.schema.column_with_name(column).is_none() {
                    return Err(Error::Column {
                        column: column.into(),
                        message: format!(
                            "{} has no such column, which a merge joins on",
                            input.name
                        ),
                    });
                }
            }
            merge
                .add(&input.name, &input.schema)
                .map_err(|e| Error::Invalid(e.to_string()))?;
        }
        let schema = merge.schema();
        let samples: Vec<String> = inputs.iter().flat_map(|i| i.samples.clone()).collect();
        let batch_size = options
            .batch_size
            .unwrap_or_else(|| (1 << 20) / samples.len().max(1))
            .clamp(1, 8192);
        let order = options.contig_order.or_else(|| {
            // Every input's header lists its contigs: bcftools orders
            // output by the header's contigs, and so may we.
            inputs.iter().all(|i| !i.contigs.is_empty()).then(|| {
                let mut seen = HashSet::new();
                inputs
                    .iter()
                    .flat_map(|i| i.contigs.iter())
                    .filter(|c| seen.insert(c.as_str()))
                    .cloned()
                    .collect()
            })
        });
        let (ranks, fixed_order) = match order {
            Some(order) => (
                order.into_iter().enumerate().map(|(i, c)| (c, i)).collect(),
                true,
            ),
            None => (HashMap::new(), false),
        };
        let per_allele = inputs.iter().flat_map(|i| i.per_allele.clone()).collect();
        let input_samples = inputs.iter().map(|i| i.samples.clone()).collect();
        let inputs = inputs
            .into_iter()
            .map(|i| Cursor {
                name: i.name,
                samples: i.samples.len(),
                batches: i.batches,
                source: None,
                row: 0,
                done: false,
                records: 0,
                last: None,
                left: HashSet::new(),
            })
            .collect();
        Ok(Self {
            inputs,
            schema,
            samples,
            batch_size,
            input_samples,
            per_allele,
            ranks,
            fixed_order,
            current_contig: None,
            finished: HashSet::new(),
            arena: Vec::new(),
            pending: Vec::new(),
            missing: HashMap::new(),
            failed: false,
        })
    }

    /// The output schema: the union of the inputs' columns.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Every input's samples, in input order: the samples of each output
    /// row's `genotypes`.
    pub fn samples(&self) -> &[String] {
        &self.samples
    }

    /// The key of input `i`'s next record, reading its next batch when the
    /// current one is used up; `None` at its end. Checks the record comes
    /// after the input's previous one.
    fn head(&mut self, i: usize) -> Result<Option<Key>> {
        loop {
            let cursor = &mut self.inputs[i];
            if cursor.done {
                return Ok(None);
            }
            if let Some(slot) = cursor.source
                && cursor.row < self.arena[slot].batch.num_rows()
            {
                break;
            }
            match cursor.batches.next() {
                None => {
                    cursor.done = true;
                    cursor.source = None;
                    return Ok(None);
                }
                Some(batch) => {
                    let batch = batch.map_err(|e| annotate(e, &cursor.name))?;
                    if batch.num_rows() == 0 {
                        continue;
                    }
                    let batch = conform_batch(&batch, &self.schema)
                        .map_err(|e| Error::Invalid(format!("{}: {e}", cursor.name)))?;
                    self.arena.push(Source::new(batch)?);
                    cursor.source = Some(self.arena.len() - 1);
                    cursor.row = 0;
                }
            }
        }
        let cursor = &self.inputs[i];
        let (slot, row) = (cursor.source.unwrap_or_default(), cursor.row);
        let record = cursor.records + 1;
        let key = self.arena[slot].key(row).ok_or_else(|| {
            Error::Invalid(format!(
                "{}, record {record}: contigName or start is null",
                cursor.name
            ))
        })?;
        Ok(Some(key))
    }

    /// Consumes input `i`'s head (whose key is `key`), checking its order.
    fn advance(&mut self, i: usize, key: &Key) -> Result<(usize, usize)> {
        let rank = self.ranks.get(&key.contig).copied();
        let cursor = &mut self.inputs[i];
        cursor.records += 1;
        let here = || {
            format!(
                "{}, record {} ({})",
                cursor.name,
                cursor.records,
                key.describe()
            )
        };
        if let Some((last_rank, last_start, last_contig)) = &cursor.last {
            if *last_contig == key.contig {
                if key.start < *last_start {
                    return Err(Error::Invalid(format!(
                        "{}: comes after position {} of the same contig; inputs must be sorted \
                         by position",
                        here(),
                        last_start + 1
                    )));
                }
            } else if cursor.left.contains(&key.contig)
                || (self.fixed_order && rank.is_some_and(|r| r < *last_rank))
            {
                return Err(Error::Invalid(format!(
                    "{}: contig {} comes again after contig {last_contig}; inputs must be sorted \
                     by position",
                    here(),
                    key.contig
                )));
            }
        }
        if let Some((_, _, last_contig)) = &cursor.last
            && *last_contig != key.contig
        {
            let left = last_contig.clone();
            cursor.left.insert(left);
        }
        cursor.last = Some((rank.unwrap_or(usize::MAX), key.start, key.contig.clone()));
        let slot = cursor.source.unwrap_or_default();
        let row = cursor.row;
        cursor.row += 1;
        Ok((slot, row))
    }

    /// Picks the contig and start of the next output rows from the inputs'
    /// heads; `None` when every input is done.
    fn next_position(&mut self, heads: &[Option<Key>]) -> Result<Option<(String, i64)>> {
        let present = || {
            heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| Some((i, h.as_ref()?)))
        };
        if present().next().is_none() {
            return Ok(None);
        }
        if self.fixed_order {
            let mut best: Option<(usize, i64, &Key)> = None;
            for (i, key) in present() {
                let Some(&rank) = self.ranks.get(&key.contig) else {
                    return Err(Error::Invalid(format!(
                        "{}, record {} ({}): contig {} is not in the contig order (the one given, or the \
                         inputs' ##contig lines)",
                        self.inputs[i].name,
                        self.inputs[i].records + 1,
                        key.describe(),
                        key.contig
                    )));
                };
                if best.is_none_or(|(r, s, _)| (rank, key.start) < (r, s)) {
                    best = Some((rank, key.start, key));
                }
            }
            return Ok(best.map(|(_, start, key)| (key.contig.clone(), start)));
        }
        for (i, key) in present() {
            let cursor = &self.inputs[i];
            if cursor.left.contains(&key.contig) {
                return Err(Error::Invalid(format!(
                    "{}, record {} ({}): contig {} comes again after contig {}; inputs must be \
                     sorted by position",
                    cursor.name,
                    cursor.records + 1,
                    key.describe(),
                    key.contig,
                    cursor.last.as_ref().map_or("?", |l| l.2.as_str()),
                )));
            }
            if self.finished.contains(&key.contig) {
                return Err(Error::Invalid(format!(
                    "{}, record {} ({}): contig {} was merged already, before contig {}, as \
                     another input orders them; inputs must order contigs alike (or give the \
                     order, e.g. from the headers' ##contig lines)",
                    self.inputs[i].name,
                    self.inputs[i].records + 1,
                    key.describe(),
                    key.contig,
                    self.current_contig.as_deref().unwrap_or("?"),
                )));
            }
        }
        let on_current = |key: &&Key| Some(&key.contig) == self.current_contig.as_ref();
        let start = present()
            .map(|(_, k)| k)
            .filter(on_current)
            .map(|k| k.start)
            .min();
        if let Some(start) = start {
            let contig = self.current_contig.clone().unwrap_or_default();
            return Ok(Some((contig, start)));
        }
        // No input is on the current contig any more: the first input's
        // next contig comes next.
        let Some((_, key)) = present().next() else {
            return Ok(None);
        };
        let contig = key.contig.clone();
        let start = present()
            .map(|(_, k)| k)
            .filter(|k| k.contig == contig)
            .map(|k| k.start)
            .min()
            .unwrap_or(key.start);
        if let Some(old) = self.current_contig.replace(contig.clone()) {
            self.finished.insert(old);
        }
        let rank = self.ranks.len();
        self.ranks.insert(contig.clone(), rank);
        Ok(Some((contig, start)))
    }

    /// Reads every input's records at the next position and joins them into
    /// pending rows; false when every input is done.
    fn step(&mut self) -> Result<bool> {
        let mut heads = Vec::with_capacity(self.inputs.len());
        for i in 0..self.inputs.len() {
            heads.push(self.head(i)?);
        }
        let Some((contig, start)) = self.next_position(&heads)? else {
            return Ok(false);
        };
        // Each input's records at this position, in its order.
        let mut groups: Vec<Vec<(Key, (usize, usize))>> = Vec::with_capacity(heads.len());
        for (i, head) in heads.into_iter().enumerate() {
            let mut group = Vec::new();
            let mut head = head;
            while let Some(key) = head {
                if key.contig != contig || key.start != start {
                    break;
                }
                let place = self.advance(i, &key)?;
                group.push((key, place));
                head = self.head(i)?;
            }
            groups.push(group);
        }
        let n = groups.len();
        let mut used: Vec<Vec<bool>> = groups.iter().map(|g| vec![false; g.len()]).collect();
        for i in 0..n {
            for r in 0..groups[i].len() {
                if used[i][r] {
                    continue;
                }
                used[i][r] = true;
                let mut parts: Vec<Part> = vec![None; n];
                parts[i] = Some(groups[i][r].1);
                for j in i + 1..n {
                    let found = (0..groups[j].len())
                        .find(|&s| !used[j][s] && groups[j][s].0 == groups[i][r].0);
                    if let Some(s) = found {
                        used[j][s] = true;
                        parts[j] = Some(groups[j][s].1);
                    }
                }
                self.pending.push(parts);
            }
        }
        Ok(true)
    }

    /// Builds the pending rows into a batch and forgets the batches only
    /// they referred to.
    fn flush(&mut self) -> Result<RecordBatch> {
        // A position's records join at once, so pending may hold more than
        // a batch: the rest waits for the next one.
        let rest = self
            .pending
            .split_off(self.pending.len().min(self.batch_size));
        let rows = std::mem::replace(&mut self.pending, rest);
        let mut columns = Vec::with_capacity(self.schema.fields().len());
        let schema = Arc::clone(&self.schema);
        let genotypes = match schema.column_with_name(GENOTYPES) {
            Some((_, field)) => Some(self.genotypes(field, &rows)?),
            None => None,
        };
        for (c, field) in self.schema.fields().iter().enumerate() {
            let name = field.name().as_str();
            let column = match name {
                GENOTYPES => match &genotypes {
                    Some(g) => Arc::clone(g),
                    None => new_null_array(field.data_type(), rows.len()),
                },
                NAMES => self.names(c, field, &rows)?,
                QUAL if field.data_type() == &DataType::Float64 => self.qual(c, &rows),
                FILTERS => self.filters(c, field, &rows)?,
                "INFO_DP" | "INFO_DP4" => self.summed(c, field, &rows)?,
                "INFO_AN" | "INFO_AC" if genotypes.is_some() => {
                    self.allele_counts(name, field, &rows, genotypes.as_ref())?
                }
                _ if name.starts_with(INFO_PREFIX) => {
                    let rule = if field.data_type() == &DataType::Boolean {
                        Rule::AnyTrue
                    } else if self.per_allele.contains(name) {
                        Rule::LastValid
                    } else {
                        Rule::FirstValid
                    };
                    self.pick(c, &rows, rule)?
                }
                _ => self.pick(c, &rows, Rule::First)?,
            };
            columns.push(column);
        }
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), columns)?;
        // Keep only the batches still referred to: the inputs' current ones
        // and those of rows still pending.
        let mut keep: Vec<Option<usize>> = vec![None; self.arena.len()];
        let mut order = Vec::new();
        let referred = self
            .inputs
            .iter()
            .filter_map(|c| c.source)
            .chain(self.pending.iter().flatten().flatten().map(|&(s, _)| s));
        for slot in referred {
            if keep[slot].is_none() {
                keep[slot] = Some(order.len());
                order.push(slot);
            }
        }
        let mut old: Vec<Option<Source>> = std::mem::take(&mut self.arena)
            .into_iter()
            .map(Some)
            .collect();
        let arena: Vec<Source> = order.iter().filter_map(|&s| old[s].take()).collect();
        for cursor in &mut self.inputs {
            cursor.source = cursor.source.and_then(|s| keep[s]);
        }
        for part in self.pending.iter_mut().flatten().flatten() {
            part.0 = keep[part.0].unwrap_or_default();
        }
        self.arena = arena;
        Ok(batch)
    }

    /// Column `c` with each row's value from one input's record, by `rule`.
    fn pick(&self, c: usize, rows: &[Vec<Part>], rule: Rule) -> Result<ArrayRef> {
        let arrays: Vec<&dyn Array> = self
            .arena
            .iter()
            .map(|s| s.batch.column(c).as_ref())
            .collect();
        let indices: Vec<(usize, usize)> = rows
            .iter()
            .map(|parts| {
                let present = || parts.iter().flatten().copied();
                let valid = |&(s, r): &(usize, usize)| arrays[s].is_valid(r);
                let first = present().next().unwrap_or_default();
                match rule {
                    Rule::First => first,
                    Rule::FirstValid => present().find(valid).unwrap_or(first),
                    Rule::LastValid => present().rfind(valid).unwrap_or(first),
                    Rule::AnyTrue => present()
                        .find(|&(s, r)| {
                            valid(&(s, r))
                                && arrays[s]
                                    .as_any()
                                    .downcast_ref::<BooleanArray>()
                                    .is_some_and(|b| b.value(r))
                        })
                        .or_else(|| present().find(valid))
                        .unwrap_or(first),
                }
            })
            .collect();
        Ok(interleave(&arrays, &indices)?)
    }

    /// `names`: the union of the records' IDs, deduplicated by whole ID.
    fn names(&self, c: usize, field: &FieldRef, rows: &[Vec<Part>]) -> Result<ArrayRef> {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for parts in rows {
            let mut seen: Vec<String> = Vec::new();
            let mut any = false;
            for &(s, r) in parts.iter().flatten() {
                let Some(ids) = string_list(self.arena[s].batch.column(c), r)? else {
                    continue;
                };
                any = true;
                let whole = ids.join(";");
                if ids.is_empty() || seen.contains(&whole) {
                    continue;
                }
                seen.push(whole);
                for id in ids {
                    builder.values().append_value(id);
                }
            }
            builder.append(any);
        }
        Ok(conform_array(
            &(Arc::new(builder.finish()) as ArrayRef),
            field.data_type(),
        )?)
    }

    /// `filters`: the union, without PASS beside another filter.
    fn filters(&self, c: usize, field: &FieldRef, rows: &[Vec<Part>]) -> Result<ArrayRef> {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for parts in rows {
            let mut union: Vec<String> = Vec::new();
            let mut any = false;
            for &(s, r) in parts.iter().flatten() {
                let Some(filters) = string_list(self.arena[s].batch.column(c), r)? else {
                    continue;
                };
                any = true;
                for filter in filters {
                    if !union.contains(&filter) {
                        union.push(filter);
                    }
                }
            }
            if union.len() > 1 {
                union.retain(|f| f != "PASS");
            }
            for filter in union {
                builder.values().append_value(filter);
            }
            builder.append(any);
        }
        Ok(conform_array(
            &(Arc::new(builder.finish()) as ArrayRef),
            field.data_type(),
        )?)
    }

    /// `qual`: the largest present.
    fn qual(&self, c: usize, rows: &[Vec<Part>]) -> ArrayRef {
        let values: Float64Array = rows
            .iter()
            .map(|parts| {
                parts
                    .iter()
                    .flatten()
                    .filter_map(|&(s, r)| {
                        let q = self.arena[s]
                            .batch
                            .column(c)
                            .as_primitive::<arrow::datatypes::Float64Type>();
                        q.is_valid(r).then(|| q.value(r))
                    })
                    .reduce(f64::max)
            })
            .collect();
        Arc::new(values)
    }

    /// `INFO_DP` (a scalar) and `INFO_DP4` (a list) summed across the
    /// records, item by item; columns of other types take the first value.
    fn summed(&self, c: usize, field: &FieldRef, rows: &[Vec<Part>]) -> Result<ArrayRef> {
        let scalar = field.data_type() == &DataType::Int32;
        let list = matches!(field.data_type(), DataType::List(item) if item.data_type() == &DataType::Int32);
        if !scalar && !list {
            return self.pick(c, rows, Rule::FirstValid);
        }
        let mut sums: Vec<Option<Vec<Option<i64>>>> = Vec::with_capacity(rows.len());
        for parts in rows {
            let mut total: Option<Vec<Option<i64>>> = None;
            for &(s, r) in parts.iter().flatten() {
                let column = self.arena[s].batch.column(c);
                if column.is_null(r) {
                    continue;
                }
                let values: Vec<Option<i32>> = if scalar {
                    vec![Some(column.as_primitive::<Int32Type>().value(r))]
                } else {
                    column
                        .as_list::<i32>()
                        .value(r)
                        .as_primitive::<Int32Type>()
                        .iter()
                        .collect()
                };
                let total = total.get_or_insert_with(Vec::new);
                if total.len() < values.len() {
                    total.resize(values.len(), None);
                }
                for (t, v) in total.iter_mut().zip(values) {
                    if let Some(v) = v {
                        *t = Some(t.unwrap_or(0) + i64::from(v));
                    }
                }
            }
            sums.push(total);
        }
        let narrow = |v: i64, row: usize| {
            i32::try_from(v).map_err(|_| {
                Error::Invalid(format!(
                    "{}: the sum {v} of the records' values does not fit a 32-bit integer (merged \
                     row {row})",
                    field.name()
                ))
            })
        };
        if scalar {
            let mut builder = Int32Builder::with_capacity(rows.len());
            for (row, sum) in sums.into_iter().enumerate() {
                match sum.and_then(|v| v.into_iter().next().flatten()) {
                    Some(v) => builder.append_value(narrow(v, row)?),
                    None => builder.append_null(),
                }
            }
            return Ok(Arc::new(builder.finish()));
        }
        let mut builder = ListBuilder::new(Int32Builder::new());
        for (row, sum) in sums.into_iter().enumerate() {
            match sum {
                Some(values) => {
                    for v in values {
                        builder
                            .values()
                            .append_option(v.map(|v| narrow(v, row)).transpose()?);
                    }
                    builder.append(true);
                }
                None => builder.append(false),
            }
        }
        Ok(conform_array(
            &(Arc::new(builder.finish()) as ArrayRef),
            field.data_type(),
        )?)
    }

    /// `INFO_AN` and `INFO_AC` counted from the merged calls (bcftools
    /// recounts them); columns of other types keep the first value.
    fn allele_counts(
        &self,
        name: &str,
        field: &FieldRef,
        rows: &[Vec<Part>],
        genotypes: Option<&ArrayRef>,
    ) -> Result<ArrayRef> {
        let c = self.schema.index_of(name)?;
        let an = name == "INFO_AN" && field.data_type() == &DataType::Int32;
        let ac = name == "INFO_AC"
            && matches!(field.data_type(), DataType::List(item) if item.data_type() == &DataType::Int32);
        let calls = genotypes.and_then(|g| {
            let list = g.as_list::<i32>();
            let calls = list.values().as_struct().column_by_name(CALLS)?;
            matches!(calls.data_type(), DataType::List(item) if item.data_type() == &DataType::Int32)
                .then(|| (list.clone(), calls.as_list::<i32>().clone()))
        });
        let (Some((list, calls)), true) = (calls, an || ac) else {
            return self.pick(c, rows, Rule::FirstValid);
        };
        let alternates = self.pick(self.schema.index_of(ALTERNATE_ALLELES)?, rows, Rule::First)?;
        let alternates = alternates.as_list_opt::<i32>();
        let mut an_builder = Int32Builder::new();
        let mut ac_builder = ListBuilder::new(Int32Builder::new());
        for row in 0..rows.len() {
            let n_alt = alternates.map_or(0, |a| {
                if a.is_valid(row) {
                    a.value_length(row)
                } else {
                    0
                }
            });
            let mut counts = vec![0i32; usize::try_from(n_alt).unwrap_or(0)];
            let mut total = 0i32;
            let (from, to) = (list.value_offsets()[row], list.value_offsets()[row + 1]);
            for g in from..to {
                let g = usize::try_from(g).unwrap_or_default();
                if calls.is_null(g) {
                    continue;
                }
                for allele in calls.value(g).as_primitive::<Int32Type>().iter().flatten() {
                    if allele < 0 {
                        continue;
                    }
                    total = total.saturating_add(1);
                    let index = usize::try_from(allele).unwrap_or(0);
                    if index >= 1
                        && let Some(count) = counts.get_mut(index - 1)
                    {
                        *count = count.saturating_add(1);
                    }
                }
            }
            an_builder.append_value(total);
            ac_builder.values().append_slice(&counts);
            ac_builder.append(true);
        }
        if an {
            Ok(Arc::new(an_builder.finish()))
        } else {
            Ok(conform_array(
                &(Arc::new(ac_builder.finish()) as ArrayRef),
                field.data_type(),
            )?)
        }
    }

    /// `genotypes`: each input's samples in order, missing genotypes for
    /// inputs without the record.
    fn genotypes(&mut self, field: &Field, rows: &[Vec<Part>]) -> Result<ArrayRef> {
        let DataType::List(item) = field.data_type() else {
            return Err(Error::Column {
                column: GENOTYPES.into(),
                message: format!("is {}, not a list", field.data_type()),
            });
        };
        let DataType::Struct(fields) = item.data_type() else {
            return Err(Error::Column {
                column: GENOTYPES.into(),
                message: format!("holds {}, not structs", item.data_type()),
            });
        };
        let c = self.schema.index_of(GENOTYPES)?;
        let lists: Vec<ListArray> = self
            .arena
            .iter()
            .map(|s| s.batch.column(c).as_list::<i32>().clone())
            .collect();
        let calls_of = |s: usize| {
            lists[s]
                .values()
                .as_struct()
                .column_by_name(CALLS)
                .and_then(|c| c.as_list_opt::<i32>().cloned())
        };
        let calls: Vec<Option<ListArray>> = (0..lists.len()).map(calls_of).collect();
        // Per row: the ploidy of missing genotypes, and the check that each
        // record lists its input's samples.
        let mut ploidies = Vec::with_capacity(rows.len());
        for parts in rows {
            let mut ploidy = 0usize;
            for (i, part) in parts.iter().enumerate() {
                let Some((s, r)) = *part else { continue };
                let expected = self.inputs[i].samples;
                let found = if lists[s].is_null(r) {
                    0
                } else {
                    lists[s].value_length(r)
                };
                if usize::try_from(found).ok() != Some(expected) {
                    let key = self.arena[s]
                        .key(r)
                        .map(|k| k.describe())
                        .unwrap_or_default();
                    return Err(Error::Invalid(format!(
                        "{}, record at {key}: {found} genotypes, but the input has {expected} \
                         samples",
                        self.inputs[i].name
                    )));
                }
                if let Some(calls) = &calls[s] {
                    let offsets = lists[s].value_offsets();
                    for g in offsets[r]..offsets[r + 1] {
                        let g = usize::try_from(g).unwrap_or_default();
                        if calls.is_valid(g) {
                            let n = usize::try_from(calls.value_length(g)).unwrap_or(0);
                            ploidy = ploidy.max(n);
                        }
                    }
                }
            }
            ploidies.push(ploidy.max(1));
        }
        // Missing-genotype templates this batch needs.
        let mut templates: Vec<(usize, usize)> = Vec::new();
        for (parts, &ploidy) in rows.iter().zip(&ploidies) {
            for (i, part) in parts.iter().enumerate() {
                if part.is_none() && !templates.contains(&(i, ploidy)) {
                    templates.push((i, ploidy));
                }
            }
        }
        for &(i, ploidy) in &templates {
            if !self.missing.contains_key(&(i, ploidy)) {
                let template = missing_genotypes(fields, &self.input_samples[i], ploidy)?;
                self.missing.insert((i, ploidy), template);
            }
        }
        let values: Vec<ArrayRef> = lists.iter().map(|l| Arc::clone(l.values())).collect();
        let template_arrays: Vec<&ArrayRef> = templates
            .iter()
            .filter_map(|k| self.missing.get(k))
            .collect();
        let data: Vec<arrow::array::ArrayData> = values
            .iter()
            .chain(template_arrays.iter().copied())
            .map(|a| a.to_data())
            .collect();
        let capacity = rows.len() * self.samples.len();
        let mut out = MutableArrayData::new(data.iter().collect(), true, capacity);
        let mut lengths = Vec::with_capacity(rows.len());
        for (parts, &ploidy) in rows.iter().zip(&ploidies) {
            let mut length = 0;
            for (i, part) in parts.iter().enumerate() {
                match *part {
                    Some((s, r)) => {
                        let offsets = lists[s].value_offsets();
                        let (from, to) = (offsets[r], offsets[r + 1]);
                        let from = usize::try_from(from).unwrap_or_default();
                        let to = usize::try_from(to).unwrap_or_default();
                        out.try_extend(s, from, to)?;
                        length += to - from;
                    }
                    None => {
                        let t = templates
                            .iter()
                            .position(|&k| k == (i, ploidy))
                            .unwrap_or_default();
                        let n = self.inputs[i].samples;
                        out.try_extend(values.len() + t, 0, n)?;
                        length += n;
                    }
                }
            }
            lengths.push(length);
        }
        let values = make_array(out.freeze());
        Ok(Arc::new(ListArray::try_new(
            Arc::clone(item),
            OffsetBuffer::from_lengths(lengths),
            values,
            None,
        )?))
    }
}

impl Iterator for Merger {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = (|| {
            while self.pending.len() < self.batch_size {
                if !self.step()? {
                    break;
                }
            }
            if self.pending.is_empty() {
                return Ok(None);
            }
            self.flush().map(Some)
        })();
        match result {
            Ok(batch) => batch.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// How a column's value is picked among the records of a merged row.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The first input's record.
    First,
    /// The first record with a value.
    FirstValid,
    /// The last record with a value.
    LastValid,
    /// The first record whose flag is set, else the first with a value.
    AnyTrue,
}

/// Row `row` of a list-of-strings column; `None` when null.
fn string_list(column: &ArrayRef, row: usize) -> Result<Option<Vec<String>>> {
    let list = conform_array(column, &list_of(DataType::Utf8))?;
    let list = list.as_list::<i32>();
    if list.is_null(row) {
        return Ok(None);
    }
    let values = list.value(row);
    let values = values.as_string::<i32>();
    Ok(Some(values.iter().flatten().map(str::to_string).collect()))
}

/// Missing genotypes of `samples`: `ploidy` calls of -1, unphased, other
/// fields null.
fn missing_genotypes(fields: &Fields, samples: &[String], ploidy: usize) -> Result<ArrayRef> {
    let n = samples.len();
    let columns = fields
        .iter()
        .map(|field| -> Result<ArrayRef> {
            let array: ArrayRef = match field.name().as_str() {
                SAMPLE_ID => Arc::new(StringArray::from_iter_values(samples)),
                PHASED => Arc::new(BooleanArray::from(vec![false; n])),
                CALLS => Arc::new(ListArray::try_new(
                    Arc::new(Field::new_list_field(DataType::Int32, true)),
                    OffsetBuffer::from_lengths(std::iter::repeat_n(ploidy, n)),
                    Arc::new(Int32Array::from(vec![-1; n * ploidy])),
                    None,
                )?),
                _ => return Ok(new_null_array(field.data_type(), n)),
            };
            Ok(conform_array(&array, field.data_type())?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Arc::new(StructArray::try_new_with_length(
        fields.clone(),
        columns,
        None,
        n,
    )?))
}

/// An input's error, with its name in front unless it names a file already.
fn annotate(error: Error, name: &str) -> Error {
    match error {
        Error::Vcf(e) => Error::Vcf(e),
        Error::Io { .. } | Error::Fasta { .. } | Error::Chain { .. } => error,
        other => Error::Invalid(format!("{name}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::Schema;

    use super::*;

    fn fields() -> Fields {
        Fields::from(vec![
            Field::new(SAMPLE_ID, DataType::Utf8, true),
            Field::new(PHASED, DataType::Boolean, true),
            Field::new(CALLS, list_of(DataType::Int32), true),
            Field::new("depth", DataType::Int32, true),
        ])
    }

    #[test]
    fn missing_genotypes_are_unphased_minus_ones_of_the_ploidy_and_null_elsewhere() {
        let samples = vec!["a".to_string(), "b".to_string()];
        let missing = missing_genotypes(&fields(), &samples, 3).unwrap();
        let missing = missing.as_struct();
        assert_eq!(missing.len(), 2);
        let ids: Vec<_> = missing.column(0).as_string::<i32>().iter().collect();
        assert_eq!(ids, [Some("a"), Some("b")]);
        assert_eq!(missing.column(1).as_boolean().true_count(), 0);
        let calls = missing.column(2).as_list::<i32>();
        assert_eq!(
            calls.value(1).as_primitive::<Int32Type>().values(),
            &[-1, -1, -1]
        );
        assert_eq!(missing.column(3).null_count(), 2);
    }

    #[test]
    fn a_sample_twice_in_one_input_is_an_error_naming_it() {
        let schema = Arc::new(Schema::new(vec![
            Field::new(CONTIG_NAME, DataType::Utf8, true),
            Field::new(START, DataType::Int64, true),
            Field::new(REFERENCE_ALLELE, DataType::Utf8, true),
            Field::new(ALTERNATE_ALLELES, list_of(DataType::Utf8), true),
        ]));
        let input = MergeInput::new(
            "x.vcf",
            schema,
            vec!["s".into(), "s".into()],
            Box::new(std::iter::empty()),
        );
        let err = Merger::new(vec![input]).unwrap_err();
        assert_eq!(err.to_string(), "sample s appears twice in x.vcf");
    }

    #[test]
    fn an_input_without_the_join_columns_is_an_error() {
        let schema = Arc::new(Schema::new(vec![Field::new(START, DataType::Int64, true)]));
        let input = MergeInput::new("y", schema, Vec::new(), Box::new(std::iter::empty()));
        let err = Merger::new(vec![input]).unwrap_err();
        assert!(err.to_string().contains("contigName"), "{err}");
        assert!(Merger::new(Vec::new()).is_err());
    }

    #[test]
    fn keys_describe_records_as_vcf_positions() {
        let key = Key {
            contig: "chr1".into(),
            start: 9,
            end: Some(10),
            reference: Some("A".into()),
            alternates: Some(vec![Some("G".into()), Some("T".into())]),
        };
        assert_eq!(key.describe(), "chr1:10 A>G,T");
    }
}
