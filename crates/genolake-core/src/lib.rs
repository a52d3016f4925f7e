//! The shared vocabulary of genolake: the Glow-compatible variant schema, the
//! options every reader takes, and the Arrow column builders the format crates
//! decode into.
//!
//! Every format crate (`genolake-vcf`, and later BGEN and PLINK) produces the
//! same table, so the names and types of its columns live here, once. The
//! builders in [`builder`] exist because the generic Arrow builders cost a
//! bounds-checked call per value; a cohort of 100,000 sites × 2,000 samples is
//! 200 million genotypes, and decoding them is only as fast as appending a value
//! is cheap. Each builder is a plain `Vec` plus a lazily materialised validity
//! bitmap.
//!
//! # Examples
//!
//! ```
//! use genolake_core::{Region, Stringency};
//!
//! let region: Region = "chr20:10,001-10,100".parse().unwrap();
//! assert_eq!(region.contig, "chr20");
//! assert_eq!((region.start, region.end), (10_000, 10_100)); // 0-based, half-open
//! assert!(region.overlaps("chr20", 10_099, 10_200));
//!
//! let stringency: Stringency = "lenient".parse().unwrap();
//! assert_eq!(stringency, Stringency::Lenient);
//! ```

pub mod builder;
pub mod error;
pub mod matrix;
pub mod merge;
pub mod progress;
pub mod region;
pub mod schema;
pub mod split;
pub mod stringency;

pub use error::Error;
pub use progress::Progress;
pub use region::Region;
pub use split::Split;
pub use stringency::Stringency;
