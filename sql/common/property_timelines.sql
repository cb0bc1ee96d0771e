-- Every legacy property with its timeline (a decision's property must be of its message's
-- timeline). Binds nothing.
SELECT p.id AS property_id, p."timelineId" AS timeline_id FROM properties AS p;
