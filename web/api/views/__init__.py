"""The API's views, by resource."""
