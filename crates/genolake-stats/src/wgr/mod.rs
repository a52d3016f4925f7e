//! Whole-genome ridge regression (REGENIE step 1, Glow's GloWGR).
