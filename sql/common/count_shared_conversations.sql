-- How many legacy conversations are shared by their timeline's properties. Binds nothing.
SELECT COUNT(*) FROM conversations WHERE "propertyId" IS NULL;
