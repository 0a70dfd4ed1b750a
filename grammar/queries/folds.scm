; Every `{ … }` folds: organizations, connectors, rules, services, on-premises blocks.
(block) @fold
