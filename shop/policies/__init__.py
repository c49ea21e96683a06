"""The shop's policy pages (returns and refunds, warranty, shipping, privacy, terms,
accessibility): content staff edit as Markdown, rendered when saved."""
