"""Deep Distral (Sec. 2.3, 3, 4.2, App. B.2): the losses as pure functions (eqs 9-12),
the seven algorithms of Table 1 as data, the networks, the optimiser, acting, the trainer
and the uniform random policy every learning curve must beat."""
