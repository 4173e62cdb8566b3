import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState';

export function NotFoundPage() {
  return (
    <EmptyState title="There is no page at this address" action={<Link className="button" to="/campaigns">Go to campaigns</Link>}>
      <p>Check the link you followed, or start from the list of campaigns.</p>
    </EmptyState>
  );
}
