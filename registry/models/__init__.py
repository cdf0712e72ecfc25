"""What the registry knows of models: the catalog (limits, prices, retirement, capabilities,
from maintained data), each provider's naming policy (pinned or floating), token counts."""
