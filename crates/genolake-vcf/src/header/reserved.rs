//! The INFO and FORMAT keys the VCF specification reserves, with the Number
//! and Type it gives them, version by version.
//!
//! Two uses: a key a record uses without a header line is typed as its
//! version's specification says, and a header line that gives a reserved key
//! another Type, or another Number than `.`, contradicts the specification.
//!
//! Sources (hts-specs): the tables "Reserved INFO keys" and "Reserved
//! genotype keys" of VCF 4.3–4.5, the lists of reserved keys in the text of
//! 4.1 and 4.2 (which give some keys a type and no Number), and the INFO and
//! FORMAT lines of the structural-variant sections of every version. Where an
//! older version names a key without fixing its Number or Type, the first
//! version that fixes it types the key when it is undeclared, and nothing is
//! checked against the older one.

use genolake_core::schema::{Number, ValueType};

use super::Version;

/// What the specification says of one reserved key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// The Number to use for the key when the header does not declare it.
    pub number: Number,
    /// The Type to use for the key when the header does not declare it.
    pub value_type: ValueType,
    /// Whether the file's version fixes the Number (else any Number goes).
    pub number_fixed: bool,
    /// Whether the file's version fixes the Type (else any Type goes).
    pub type_fixed: bool,
    /// Whether a header's Number `.` fits the key: its count varies (with
    /// the alleles or the ploidy), as `.` says.
    pub dot_fits: bool,
    /// Counts, depths, frequencies and qualities cannot be negative.
    pub non_negative: bool,
    /// Real files write the key in other shapes than the specification's
    /// (see `SB`): an undeclared use whose values do not fit is read as text.
    pub loose: bool,
    /// The description a generated header line carries.
    pub description: &'static str,
}

impl Reserved {
    /// What contradicts the specification in a header's `number` and
    /// `value_type` for this key, if anything: a Type other than the
    /// specification's, or another Number than the specification's.
    ///
    /// A header's `.` ("the number of possible values varies, is unknown, or
    /// is unbounded") fits a key whose count varies ([`Reserved::dot_fits`]):
    /// writers from before `R` declared `AD` so, and it says nothing false.
    /// It contradicts a fixed count (`AA`'s 1, a Flag's 0), which does not
    /// vary. A specification's `.` fits any Number.
    pub fn conflict(&self, number: Number, value_type: ValueType) -> Option<String> {
        let mut problems = Vec::new();
        if self.type_fixed && value_type != self.value_type {
            problems.push(format!("Type={}", self.value_type));
        }
        if self.number_fixed
            && number != self.number
            && !(number == Number::Unknown && self.dot_fits)
            && self.number != Number::Unknown
        {
            problems.push(format!("Number={}", self.number));
        }
        (!problems.is_empty()).then(|| problems.join(" and "))
    }
}

/// One row of a table: a key, its Number and Type, and the versions over
/// which the specification fixes them.
struct Row {
    key: &'static str,
    number: Number,
    value_type: ValueType,
    /// The first version that reserves the key.
    since: Version,
    /// The last version that reserves it in this form (a later row may
    /// redefine it).
    until: Version,
    /// The first version whose text fixes the Number.
    number_from: Version,
    /// The first version whose text fixes the Type.
    type_from: Version,
    /// False where the specification's Type is an evident erratum.
    check_type: bool,
    /// A header's `.` fits the fixed Number: the one value lists a varying
    /// number of items (`GT`, `FT`).
    dot_fits: bool,
    /// Files give the key other shapes than the table (see `SB`).
    loose: bool,
    /// A key of the structural-variant sections: it types undeclared keys,
    /// but headers are not checked against it (versions redefine these keys
    /// and callers follow older ones).
    structural: bool,
    non_negative: bool,
    description: &'static str,
}

use Number::{A, G, Unknown as Dot};
use ValueType::{Flag, Float, Integer, String as Str};
use Version::{V4_0, V4_2, V4_3, V4_4, V4_5};

const fn row(
    key: &'static str,
    number: Number,
    value_type: ValueType,
    description: &'static str,
) -> Row {
    Row {
        key,
        number,
        value_type,
        since: V4_0,
        until: V4_5,
        number_from: V4_0,
        type_from: V4_0,
        check_type: true,
        dot_fits: false,
        loose: false,
        structural: false,
        non_negative: false,
        description,
    }
}

impl Row {
    const fn since(mut self, version: Version) -> Self {
        self.since = version;
        self.number_from = version;
        self.type_from = version;
        self
    }
    const fn until(mut self, version: Version) -> Self {
        self.until = version;
        self
    }
    /// The Number is fixed only from `version` on.
    const fn number_from(mut self, version: Version) -> Self {
        self.number_from = version;
        self
    }
    /// The Type is fixed only from `version` on.
    const fn type_from(mut self, version: Version) -> Self {
        self.type_from = version;
        self
    }
    /// The Type the specification gives is not checked against headers.
    const fn type_unchecked(mut self) -> Self {
        self.check_type = false;
        self
    }
    const fn loose(mut self) -> Self {
        self.loose = true;
        self
    }
    /// The one value lists a varying number of items, so a header's `.`
    /// describes it truly.
    const fn dot_fits(mut self) -> Self {
        self.dot_fits = true;
        self
    }
    const fn structural(mut self) -> Self {
        self.structural = true;
        self
    }
    const fn non_negative(mut self) -> Self {
        self.non_negative = true;
        self
    }
}

const fn n(count: u32) -> Number {
    Number::Count(count)
}

/// Reserved INFO keys: the table of 4.3–4.5 (whose keys 4.1 and 4.2 list
/// in their text), then the structural-variant keys.
const INFO: &[Row] = &[
    row("AA", n(1), Str, "Ancestral allele"),
    row(
        "AC",
        A,
        Integer,
        "Allele count in genotypes, for each ALT allele",
    )
    .non_negative(),
    row("AD", Number::R, Integer, "Total read depth for each allele")
        .since(V4_3)
        .non_negative(),
    row(
        "ADF",
        Number::R,
        Integer,
        "Read depth for each allele on the forward strand",
    )
    .since(V4_3)
    .non_negative(),
    row(
        "ADR",
        Number::R,
        Integer,
        "Read depth for each allele on the reverse strand",
    )
    .since(V4_3)
    .non_negative(),
    row("AF", A, Float, "Allele frequency for each ALT allele").non_negative(),
    row(
        "AN",
        n(1),
        Integer,
        "Total number of alleles in called genotypes",
    )
    .non_negative(),
    row("BQ", n(1), Float, "RMS base quality"),
    row(
        "CIGAR",
        A,
        Str,
        "Cigar string describing how to align an alternate allele to the reference allele",
    ),
    row("DB", n(0), Flag, "dbSNP membership"),
    row("DP", n(1), Integer, "Combined depth across samples").non_negative(),
    row(
        "END",
        n(1),
        Integer,
        "End position of the variant described in this record",
    )
    .non_negative(),
    row("H2", n(0), Flag, "HapMap2 membership"),
    row("H3", n(0), Flag, "HapMap3 membership"),
    // 4.1 and 4.2 give MQ no type; 4.3 makes it a Float.
    row("MQ", n(1), Float, "RMS mapping quality").type_from(V4_3),
    row("MQ0", n(1), Integer, "Number of MAPQ == 0 reads").non_negative(),
    row("NS", n(1), Integer, "Number of samples with data").non_negative(),
    // 4.3 tables SB as four Integers; GATK 1–3 and samtools wrote one Float
    // and the conformance suite passes `SB=0.150` undeclared: headers are
    // not checked against it, and undeclared values that are not four
    // Integers are read as text.
    row("SB", n(4), Integer, "Strand bias")
        .number_from(V4_3)
        .type_from(V4_3)
        .structural()
        .loose(),
    row(
        "SOMATIC",
        n(0),
        Flag,
        "Somatic mutation (for cancer genomics)",
    ),
    row("VALIDATED", n(0), Flag, "Validated by follow-up experiment"),
    row("1000G", n(0), Flag, "1000 Genomes membership"),
    // Structural variants, 4.1–4.3.
    row("IMPRECISE", n(0), Flag, "Imprecise structural variation").structural(),
    row(
        "NOVEL",
        n(0),
        Flag,
        "Indicates a novel structural variation",
    )
    .structural(),
    row("SVTYPE", n(1), Str, "Type of structural variant").structural(),
    row(
        "SVLEN",
        Dot,
        Integer,
        "Difference in length between REF and ALT alleles",
    )
    .until(V4_3)
    .structural(),
    row(
        "CIPOS",
        n(2),
        Integer,
        "Confidence interval around POS for imprecise variants",
    )
    .until(V4_3)
    .structural(),
    row(
        "CIEND",
        n(2),
        Integer,
        "Confidence interval around END for imprecise variants",
    )
    .until(V4_3)
    .structural(),
    row(
        "HOMLEN",
        Dot,
        Integer,
        "Length of base pair identical micro-homology at event breakpoints",
    )
    .until(V4_3)
    .structural(),
    row(
        "HOMSEQ",
        Dot,
        Str,
        "Sequence of base pair identical micro-homology at event breakpoints",
    )
    .until(V4_3)
    .structural(),
    row(
        "BKPTID",
        Dot,
        Str,
        "ID of the assembled alternate allele in the assembly file",
    )
    .until(V4_3)
    .structural(),
    row(
        "MEINFO",
        n(4),
        Str,
        "Mobile element info of the form NAME,START,END,POLARITY",
    )
    .until(V4_3)
    .structural(),
    row(
        "METRANS",
        n(4),
        Str,
        "Mobile element transduction info of the form CHR,START,END,POLARITY",
    )
    .until(V4_3)
    .structural(),
    row(
        "DGVID",
        n(1),
        Str,
        "ID of this element in Database of Genomic Variation",
    )
    .until(V4_3)
    .structural(),
    row("DBVARID", n(1), Str, "ID of this element in DBVAR")
        .until(V4_3)
        .structural(),
    row("DBRIPID", n(1), Str, "ID of this element in DBRIP")
        .until(V4_3)
        .structural(),
    row("MATEID", Dot, Str, "ID of mate breakends")
        .until(V4_3)
        .structural(),
    row("PARID", n(1), Str, "ID of partner breakend")
        .until(V4_3)
        .structural(),
    row("EVENT", n(1), Str, "ID of event associated to breakend")
        .until(V4_3)
        .structural(),
    row(
        "CILEN",
        n(2),
        Integer,
        "Confidence interval around the inserted material between breakends",
    )
    .until(V4_3)
    .structural(),
    row("DPADJ", Dot, Integer, "Read Depth of adjacency")
        .until(V4_3)
        .structural(),
    row(
        "CN",
        n(1),
        Integer,
        "Copy number of segment containing breakend",
    )
    .until(V4_3)
    .structural(),
    row("CNADJ", Dot, Integer, "Copy number of adjacency")
        .until(V4_3)
        .structural(),
    row(
        "CICN",
        n(2),
        Integer,
        "Confidence interval around copy number for the segment",
    )
    .until(V4_3)
    .structural(),
    row(
        "CICNADJ",
        Dot,
        Integer,
        "Confidence interval around copy number for the adjacency",
    )
    .until(V4_3)
    .structural(),
    row("ALLELEID", A, Str, "ID of the allele")
        .since(V4_3)
        .structural(),
    // Structural variants, as 4.4 redefined them.
    row("SVLEN", A, Integer, "Length of structural variant")
        .since(V4_4)
        .structural(),
    row(
        "SVCLAIM",
        A,
        Str,
        "Claim made by the structural variant call",
    )
    .since(V4_4)
    .structural(),
    row(
        "CIPOS",
        Dot,
        Integer,
        "Confidence interval around POS for symbolic structural variants",
    )
    .since(V4_4)
    .structural(),
    row(
        "CIEND",
        Dot,
        Integer,
        "Confidence interval around END for symbolic structural variants",
    )
    .since(V4_4)
    .structural(),
    row(
        "HOMLEN",
        A,
        Integer,
        "Length of base pair identical micro-homology at breakends",
    )
    .since(V4_4)
    .structural(),
    row(
        "HOMSEQ",
        A,
        Str,
        "Sequence of base pair identical micro-homology at breakends",
    )
    .since(V4_4)
    .structural(),
    row(
        "BKPTID",
        A,
        Str,
        "ID of the assembled alternate allele in the assembly file",
    )
    .since(V4_4)
    .structural(),
    row(
        "MEINFO",
        Dot,
        Str,
        "Mobile element info of the form NAME,START,END,POLARITY",
    )
    .since(V4_4)
    .structural(),
    row(
        "METRANS",
        Dot,
        Str,
        "Mobile element transduction info of the form CHR,START,END,POLARITY",
    )
    .since(V4_4)
    .structural(),
    row(
        "DGVID",
        A,
        Str,
        "ID of this element in Database of Genomic Variation",
    )
    .since(V4_4)
    .structural(),
    row("DBVARID", A, Str, "ID of this element in DBVAR")
        .since(V4_4)
        .structural(),
    row("DBRIPID", A, Str, "ID of this element in DBRIP")
        .since(V4_4)
        .structural(),
    row("MATEID", A, Str, "ID of mate breakend")
        .since(V4_4)
        .structural(),
    row("PARID", A, Str, "ID of partner breakend")
        .since(V4_4)
        .structural(),
    row("EVENT", A, Str, "ID of associated event")
        .since(V4_4)
        .structural(),
    row("EVENTTYPE", A, Str, "Type of associated event")
        .since(V4_4)
        .structural(),
    row(
        "CILEN",
        Dot,
        Integer,
        "Confidence interval for the SVLEN field",
    )
    .since(V4_4)
    .structural(),
    row("CN", A, Float, "Copy number of CNV/breakpoint")
        .since(V4_4)
        .structural(),
    row("CICN", Dot, Float, "Confidence interval around copy number")
        .since(V4_4)
        .structural(),
    row(
        "RN",
        A,
        Integer,
        "Total number of repeat sequences in this allele",
    )
    .since(V4_4)
    .structural(),
    row(
        "RUS",
        Dot,
        Str,
        "Repeat unit sequence of the corresponding repeat sequence",
    )
    .since(V4_4)
    .structural(),
    row(
        "RUL",
        Dot,
        Integer,
        "Repeat unit length of the corresponding repeat sequence",
    )
    .since(V4_4)
    .structural(),
    row(
        "RUC",
        Dot,
        Float,
        "Repeat unit count of corresponding repeat sequence",
    )
    .since(V4_4)
    .structural(),
    row(
        "RB",
        Dot,
        Integer,
        "Total number of bases in the corresponding repeat sequence",
    )
    .since(V4_4)
    .structural(),
    row("CIRUC", Dot, Float, "Confidence interval around RUC")
        .since(V4_4)
        .structural(),
    row("CIRB", Dot, Integer, "Confidence interval around RB")
        .since(V4_4)
        .structural(),
    row(
        "RUB",
        Dot,
        Integer,
        "Number of bases in each individual repeat unit",
    )
    .since(V4_4)
    .structural(),
];

/// Reserved genotype (FORMAT) keys: the prose of 4.1 and 4.2, the tables of
/// 4.3–4.5, then the structural-variant keys.
const FORMAT: &[Row] = &[
    // One value per sample, but one that lists a varying number of items: GT
    // as many alleles as the ploidy (what 4.4 calls `P`), FT as many filters
    // as failed. A header's `.` for them says nothing false: htsjdk declares
    // FT so (GATK's "Genotype-level filter"), bcftools' split-vep tests GT.
    row("GT", n(1), Str, "Genotype").dot_fits(),
    row("AD", Number::R, Integer, "Read depth for each allele")
        .since(V4_3)
        .non_negative(),
    row("ADF", Number::R, Integer, "Read depth for each allele on the forward strand")
        .since(V4_3)
        .non_negative(),
    row("ADR", Number::R, Integer, "Read depth for each allele on the reverse strand")
        .since(V4_3)
        .non_negative(),
    row("DP", n(1), Integer, "Read depth").non_negative(),
    row("EC", A, Integer, "Expected alternate allele counts").non_negative(),
    row("FT", n(1), Str, "Filter indicating if this genotype was \"called\"").dot_fits(),
    row("GL", G, Float, "Genotype likelihoods"),
    // A String of heterogeneous-ploidy likelihoods, with no Number given.
    row("GLE", Dot, Str, "Genotype likelihoods of heterogeneous ploidy").until(V4_2),
    row("GP", G, Float, "Genotype posterior probabilities"),
    row("GQ", n(1), Integer, "Conditional genotype quality").non_negative(),
    row("HQ", n(2), Integer, "Haplotype quality"),
    row("MQ", n(1), Integer, "RMS mapping quality"),
    row("PL", G, Integer, "Phred-scaled genotype likelihoods rounded to the closest integer"),
    row("PP", G, Integer, "Phred-scaled genotype posterior probabilities rounded to the closest integer")
        .since(V4_3),
    row("PQ", n(1), Integer, "Phasing quality"),
    row("PS", n(1), Integer, "Phase set").non_negative(),
    row("PSL", Number::Ploidy, Str, "Phase set list").since(V4_4),
    row("PSO", Number::Ploidy, Integer, "Phase set list ordinal").since(V4_4),
    row("PSQ", Number::Ploidy, Integer, "Phase set list quality").since(V4_4),
    row("LEN", n(1), Integer, "Length of <*> reference block").since(V4_5),
    row("LA", Dot, Integer, "Reserved").since(V4_5),
    row("LAA", Dot, Integer, "1-based indices into ALT, indicating which alleles are relevant (local) for the current sample")
        .since(V4_5),
    row("LAD", Number::LocalR, Integer, "Local-allele representation of AD").since(V4_5),
    row("LADF", Number::LocalR, Integer, "Local-allele representation of ADF").since(V4_5),
    row("LADR", Number::LocalR, Integer, "Local-allele representation of ADR").since(V4_5),
    row("LEC", Number::LocalA, Integer, "Local-allele representation of EC").since(V4_5),
    // The 4.5 table types LGL and LGP as Integer, against GL and GP, whose
    // local forms they are: read as Float, and their Type is not checked.
    row("LGL", Number::LocalG, Float, "Local-allele representation of GL")
        .since(V4_5)
        .type_unchecked(),
    row("LGP", Number::LocalG, Float, "Local-allele representation of GP")
        .since(V4_5)
        .type_unchecked(),
    row("LPL", Number::LocalG, Integer, "Local-allele representation of PL").since(V4_5),
    row("LPP", Number::LocalG, Integer, "Local-allele representation of PP").since(V4_5),
    // Structural variants.
    row("CN", n(1), Integer, "Copy number genotype for imprecise events").until(V4_3).structural(),
    row("CN", n(1), Float, "Copy number").since(V4_4).structural(),
    row("CNQ", n(1), Float, "Copy number genotype quality for imprecise events").structural(),
    row("CNL", Dot, Float, "Copy number genotype likelihood for imprecise events")
        .until(V4_2).structural(),
    row("CNL", G, Float, "Copy number genotype likelihood").since(V4_3).structural(),
    row("CNP", G, Float, "Copy number posterior probabilities").since(V4_3).structural(),
    row("NQ", n(1), Integer, "Phred style probability score that the variant is novel").structural(),
    row("HAP", n(1), Integer, "Unique haplotype identifier").structural(),
    row("AHAP", n(1), Integer, "Unique identifier of ancestral haplotype").structural(),
    row("CICN", n(2), Float, "Confidence interval around copy number").since(V4_4).structural(),
];

fn find(table: &[Row], version: Version, key: &str) -> Option<Reserved> {
    let row = table
        .iter()
        .find(|r| r.key == key && r.since <= version && version <= r.until)?;
    Some(Reserved {
        number: row.number,
        value_type: row.value_type,
        number_fixed: !row.structural && row.number_from <= version,
        type_fixed: !row.structural && row.check_type && row.type_from <= version,
        dot_fits: row.dot_fits || !matches!(row.number, Number::Count(_)),
        non_negative: row.non_negative,
        loose: row.loose,
        description: row.description,
    })
}

/// The specification's definition of a reserved INFO key in `version`.
///
/// ```
/// use genolake_core::schema::{Number, ValueType};
/// use genolake_vcf::header::{reserved_info, Version};
///
/// let an = reserved_info(Version::V4_3, "AN").unwrap();
/// assert_eq!((an.number, an.value_type), (Number::Count(1), ValueType::Integer));
/// assert!(reserved_info(Version::V4_2, "AD").is_none()); // reserved from 4.3 on
/// ```
pub fn reserved_info(version: Version, key: &str) -> Option<Reserved> {
    find(INFO, version, key)
}

/// The specification's definition of a reserved FORMAT key in `version`,
/// including VCF 4.5's base-modification keys (`M27551C`, `DPM5mC`, ...).
pub fn reserved_format(version: Version, key: &str) -> Option<Reserved> {
    find(FORMAT, version, key).or_else(|| base_modification(version, key))
}

/// VCF 4.5's keys of base modifications: `M`, `DPM` or `ADM` followed by a
/// ChEBI id and a base (`M27551C`) or by one of the spec's aliases (`M5mC`).
fn base_modification(version: Version, key: &str) -> Option<Reserved> {
    const ALIASES: [&str; 11] = [
        "5mC", "5hmC", "5fC", "5caC", "5hmU", "5fU", "5caU", "6mA", "8oxoG", "XaoN", "4mC",
    ];
    if version < V4_5 {
        return None;
    }
    let (rest, value_type, description) = if let Some(rest) = key.strip_prefix("DPM") {
        (
            rest,
            Integer,
            "Read depth able to detect the base modification",
        )
    } else if let Some(rest) = key.strip_prefix("ADM") {
        (rest, Integer, "Read depth with the base modification")
    } else if let Some(rest) = key.strip_prefix('M') {
        (rest, Float, "Fraction of bases modified")
    } else {
        return None;
    };
    let chebi = rest.len() >= 2
        && rest[..rest.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && rest.ends_with(['A', 'C', 'G', 'T', 'U', 'N']);
    (chebi || ALIASES.contains(&rest)).then_some(Reserved {
        number: Number::Modifications,
        value_type,
        number_fixed: true,
        type_fixed: true,
        dot_fits: true,
        non_negative: true,
        loose: false,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Version::V4_1;

    #[test]
    fn reserved_keys_follow_their_version() {
        let cases = [
            (V4_1, "AC", Some((A, Integer))),
            (V4_3, "AD", Some((Number::R, Integer))),
            (V4_2, "SVLEN", Some((Dot, Integer))),
            (V4_4, "SVLEN", Some((A, Integer))),
            (V4_4, "CN", Some((A, Float))),
            (V4_5, "END", Some((n(1), Integer))),
            (V4_3, "XX", None),
        ];
        for (version, key, expected) in cases {
            let got = reserved_info(version, key).map(|r| (r.number, r.value_type));
            assert_eq!(got, expected, "INFO {key} in {version}");
        }
        let cases = [
            (V4_1, "GLE", Some((Dot, Str))),
            (V4_3, "GLE", None),
            (V4_3, "PP", Some((G, Integer))),
            (V4_4, "PSL", Some((Number::Ploidy, Str))),
            (V4_5, "LAD", Some((Number::LocalR, Integer))),
            (V4_5, "M27551C", Some((Number::Modifications, Float))),
            (V4_5, "DPM5mC", Some((Number::Modifications, Integer))),
            (V4_4, "M27551C", None),
            (V4_5, "MX", None),
        ];
        for (version, key, expected) in cases {
            let got = reserved_format(version, key).map(|r| (r.number, r.value_type));
            assert_eq!(got, expected, "FORMAT {key} in {version}");
        }
    }

    #[test]
    fn a_dot_number_fits_a_varying_count_and_an_unfixed_type_is_not_checked() {
        let ac = reserved_info(V4_3, "AC").unwrap();
        assert_eq!(ac.conflict(Dot, Integer), None);
        // A fixed count does not vary: `.` contradicts it, in 4.1 as in 4.3.
        for version in [V4_1, V4_3] {
            let aa = reserved_info(version, "AA").unwrap();
            assert_eq!(aa.conflict(Dot, Str).as_deref(), Some("Number=1"));
        }
        let db = reserved_info(V4_3, "DB").unwrap();
        assert_eq!(db.conflict(Dot, Flag).as_deref(), Some("Number=0"));
        // GT is one value of as many alleles as the ploidy.
        let gt = reserved_format(V4_2, "GT").unwrap();
        assert_eq!(gt.conflict(Dot, Str), None);
        assert_eq!(gt.conflict(G, Str).as_deref(), Some("Number=1"));
        let ft = reserved_format(V4_3, "FT").unwrap();
        assert_eq!(ft.conflict(Dot, Str), None);
        let gq = reserved_format(V4_3, "GQ").unwrap();
        assert_eq!(gq.conflict(Dot, Integer).as_deref(), Some("Number=1"));
        assert_eq!(ac.conflict(n(1), Integer).as_deref(), Some("Number=A"));
        assert_eq!(
            ac.conflict(n(1), Float).as_deref(),
            Some("Type=Integer and Number=A")
        );
        // 4.1 and 4.2 give INFO MQ no type.
        assert_eq!(
            reserved_info(V4_2, "MQ").unwrap().conflict(n(1), Integer),
            None
        );
        assert!(
            reserved_info(V4_3, "MQ")
                .unwrap()
                .conflict(n(1), Integer)
                .is_some()
        );
        // A spec `.` fits any Number the header gives.
        assert_eq!(
            reserved_info(V4_4, "CIPOS")
                .unwrap()
                .conflict(n(2), Integer),
            None
        );
        // Keys of the structural-variant sections are not checked.
        assert_eq!(
            reserved_info(V4_4, "SVLEN").unwrap().conflict(n(1), Float),
            None
        );
    }
}
