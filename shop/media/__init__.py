"""Photos staff upload: checked by their content, stripped of metadata, stored as resized
WebP and JPEG variants, and served with srcset and a year-long cache. Independent of what
the photo shows (a product, a story, an article's hero): those rows point at it."""
