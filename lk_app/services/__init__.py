"""The domain of LK: plain functions over a database session passed in as `session=`."""
