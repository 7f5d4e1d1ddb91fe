"""PDF documents for the client relationship (fpdf2), in the relationship's language."""
