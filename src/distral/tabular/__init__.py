"""Tabular Distral (Sec. 2.2, 4.1, App. B.1): the soft-Q learner with distillation (`soft_q`)
and the logs a grid-world run writes (`logs`)."""
