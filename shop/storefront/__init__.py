"""Pages that show several domains at once, assembled here so the domains below never
import each other: the home page, a product's page (with articles and stories about it),
an article's page (with product cards and the ebook signup), and the health check."""
