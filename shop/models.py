"""Imports every domain's models, so the metadata (and Alembic) sees all tables."""
from shop.accounts.models import StaffUser  # noqa: F401
from shop.audit.models import AuditEntry  # noqa: F401
from shop.caching import ContentVersion  # noqa: F401
from shop.cart.models import Cart, CartLine  # noqa: F401
from shop.catalog.models import Product, ProductImage, StockMovement  # noqa: F401
from shop.content.models import Article, ArticleCategory, ArticleProduct, ArticleReference, Author, RelatedArticle, Tag  # noqa: F401
from shop.media.models import StoredImage  # noqa: F401
from shop.newsletter.models import Subscriber  # noqa: F401
from shop.orders.models import (  # noqa: F401
    DownloadLink,
    Order,
    OrderDispute,
    OrderEvent,
    OrderLine,
    OrderRefund,
    OrderShipment,
    StripeEvent,
)
from shop.outbox.models import OutboxEmail  # noqa: F401
from shop.policies.models import PolicyPage  # noqa: F401
from shop.testimonials.models import Testimonial  # noqa: F401
