"""The catalogue: products, their images, prices and stock."""
