-- severity: critical
-- description: Each heuristic rule's precision, estimated from the reviewers' audit labels, has a 95% Wilson lower bound of at least --min-estimated-precision (off, 0, by default). The bound is below P exactly when the measured precision p is below P or n (p - P)^2 < z^2 P (1 - P), z = 1.959964 (no square root needed).
SELECT x.rule, x.sample_size, x.correct, ROUND(1.0 * x.correct / x.sample_size, 4) AS precision
FROM (
    SELECT a.rule, COUNT(*) AS sample_size,
        SUM(CASE WHEN a.label = 'correct' THEN 1 ELSE 0 END) AS correct
    FROM v2_backfill.audit_labels AS a
    GROUP BY a.rule
) AS x
WHERE 1.0 * x.correct / x.sample_size < {min_estimated_precision}
    OR x.sample_size * (1.0 * x.correct / x.sample_size - {min_estimated_precision})
        * (1.0 * x.correct / x.sample_size - {min_estimated_precision})
        < 3.841459 * {min_estimated_precision} * (1 - {min_estimated_precision})
