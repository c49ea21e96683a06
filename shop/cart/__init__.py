"""The cart: what a shopper means to buy, kept in the database and tied to the browser
by a signed cookie, so it survives restarts and works behind several app servers."""
